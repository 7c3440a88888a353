"""Traffic for the fault tests, in threads: publishers posting at a steady rate through every node in turn, and
live subscribers that follow channels over Server-Sent Events and, when cut off, reconnect (to the next node if
theirs is gone) with the id of the last event they received, as a browser's EventSource does."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

PASSWORD = "long enough pw"
# Every post is ordinary text, so that the policy publishes it and every subscriber should receive it.
BODY = "The city library opens a new reading room on Saturday, with longer hours for students. " * 4


def sign_up_with_channel(base: str, handle: str) -> str:
    """A person owning the channel `<handle>_news`; their token."""
    response = httpx.post(f"{base}/api/v1/accounts", timeout=30, json={
        "handle": handle, "password": PASSWORD, "display_name": handle})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    response = httpx.post(f"{base}/api/v1/channels", headers={"Authorization": f"Bearer {token}"}, timeout=30,
                          json={"handle": f"{handle}_news", "name": f"{handle} news"})
    assert response.status_code == 201, response.text
    return token


@dataclass
class Publisher:
    """Posts to its channel `rate` times a second, through the nodes in turn. A post counts as accepted only
    when a node answered 202; a connection refused (a dead node) or a 503 is retried on the next node at once."""

    channel: str
    token: str
    nodes: list[str]
    rate: float
    accepted: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)  # "202", "refused", "no answer", other statuses
    running: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    busy: threading.Lock = field(default_factory=threading.Lock)  # held while a post is on its way
    _sent: int = 0

    @property
    def name(self) -> str:
        return f"publisher {self.channel}"

    def run(self) -> None:
        turn = 0
        with httpx.Client(timeout=httpx.Timeout(10, connect=2)) as client:
            started = time.monotonic()
            while not self.stop.is_set():
                if not self.running.wait(0.1):
                    started = time.monotonic()
                    self._sent = 0
                    continue
                with self.busy:
                    if not self.running.is_set():  # paused meanwhile
                        continue
                    for _ in range(len(self.nodes)):
                        base = self.nodes[turn % len(self.nodes)]
                        turn += 1
                        if self._publish(client, base):
                            break
                self._sent += 1
                pause = started + self._sent / self.rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)

    def _publish(self, client: httpx.Client, base: str) -> bool:
        """False when the node could not be reached (try another); True once the request was answered or lost."""
        try:
            response = client.post(f"{base}/api/v1/channels/{self.channel}/posts",
                                   headers={"Authorization": f"Bearer {self.token}"},
                                   json={"title": f"{self.channel} {self._sent}", "body": BODY})
        except httpx.ConnectError:
            self.outcomes["refused"] += 1
            return False
        except httpx.HTTPError:
            self.outcomes["no answer"] += 1  # sent, but the node died before answering: maybe stored, not counted
            return True
        self.outcomes[str(response.status_code)] += 1
        if response.status_code == 202:
            self.accepted.append(response.json()["id"])
        # 503: the node lost its database connection under the request (nothing stored); try again elsewhere.
        return response.status_code != 503


@dataclass
class Subscriber:
    """Follows `channels` (comma-separated handles) over SSE, starting on `nodes[0]`."""

    name: str
    channels: str
    nodes: list[str]
    received: list[str] = field(default_factory=list)  # post ids, in the order they arrived
    connections: list[str] = field(default_factory=list)  # the node of each connection, in order
    last_event_id: str = ""
    connected: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        node = 0
        with httpx.Client(timeout=httpx.Timeout(10, connect=2)) as client:
            while not self.stop.is_set():
                base = self.nodes[node % len(self.nodes)]
                try:
                    self._follow(client, base)
                except httpx.ConnectError:
                    node += 1  # this node is gone: the next one
                    time.sleep(0.1)
                except (httpx.HTTPError, OSError):
                    time.sleep(0.1)  # cut off: reconnect with the last event id

    def _follow(self, client: httpx.Client, base: str) -> None:
        headers = {"Last-Event-ID": self.last_event_id} if self.last_event_id else {}
        with client.stream("GET", f"{base}/api/v1/stream", params={"channels": self.channels},
                           headers=headers) as response:
            response.raise_for_status()
            self.connections.append(base)
            self.connected.set()
            fields: dict[str, str] = {}
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if not line:
                    self._dispatch(fields)
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value

    def _dispatch(self, fields: dict[str, str]) -> None:
        if "id" in fields:
            self.last_event_id = fields["id"]
        if fields.get("event") == "post":
            self.received.append(json.loads(fields["data"])["id"])


class Traffic:
    """Publishers and subscribers running in threads until `close()`; publishing can pause and resume."""

    def __init__(self, publishers: list[Publisher], subscribers: list[Subscriber]) -> None:
        self.publishers = publishers
        self.subscribers = subscribers
        self.clients: list[Publisher | Subscriber] = [*subscribers, *publishers]
        self.threads = [threading.Thread(target=client.run, name=client.name, daemon=True) for client in self.clients]
        for thread in self.threads:
            thread.start()

    def wait_until_subscribed(self, timeout: float = 30) -> None:
        for subscriber in self.subscribers:
            assert subscriber.connected.wait(timeout), f"{subscriber.name} never connected"

    def publish(self) -> None:
        for publisher in self.publishers:
            publisher.running.set()

    def pause(self) -> None:
        """Stop publishing, and return once no post is on its way."""
        for publisher in self.publishers:
            publisher.running.clear()
        for publisher in self.publishers:
            with publisher.busy:
                pass

    def accepted(self) -> list[str]:
        return [post_id for publisher in self.publishers for post_id in publisher.accepted]

    def outcomes(self) -> Counter[str]:
        return sum((publisher.outcomes for publisher in self.publishers), Counter())

    def close(self) -> None:
        for client in self.clients:
            client.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)

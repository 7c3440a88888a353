// Live timelines over Server-Sent Events. The browser reconnects by itself and sends Last-Event-ID, so nothing
// published meanwhile is missed. Each new post is fetched as the server renders it in a timeline (/p/ID/card).
//   data-live="insert": new posts go straight to the top (front page, channel pages);
//   data-live="bar":    they wait behind a "3 new posts" button that shows them at the top (the feed).
// data-live-channels names the channels ("all", handles); empty means the signed-in reader's own feed.
// data-live-start is the stream position when the page read its timeline: nothing published since is missed.
(function () {
  const timeline = document.querySelector("[data-live]");
  if (!timeline || !window.EventSource || !window.fetch) return;
  const items = timeline.querySelector("[data-timeline-items]");
  const bar = timeline.querySelector(".new-posts");
  const button = bar && bar.querySelector("button");
  const status = timeline.querySelector(".live-status");
  const waiting = [];
  let arrivals = Promise.resolve();  // one post after another, so they keep their order
  const query = new URLSearchParams({cursor: timeline.dataset.liveStart});
  if (timeline.dataset.liveChannels) query.set("channels", timeline.dataset.liveChannels);
  const source = new EventSource("/api/v1/stream?" + query);

  function known(id) {
    return items.querySelector('[data-post-id="' + id + '"]') || waiting.some(function (item) {
      return item.dataset.postId === id;
    });
  }

  function place(item) {
    const empty = timeline.querySelector(".empty");
    if (empty) empty.remove();
    items.insertBefore(item, items.firstChild);
  }

  function showWaiting() {
    // Oldest first, each to the top: the newest ends up first.
    const first = waiting[waiting.length - 1];
    waiting.splice(0).forEach(place);
    button.hidden = true;
    button.textContent = "";
    first.tabIndex = -1;
    first.focus();
  }

  if (button) button.addEventListener("click", showWaiting);

  source.addEventListener("post", function (message) {
    const post = JSON.parse(message.data);
    arrivals = arrivals.then(function () { return arrive(post); });
  });

  function arrive(post) {
    if (known(post.id)) return null;
    return fetch("/p/" + encodeURIComponent(post.id) + "/card", {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        const holder = document.createElement("template");
        holder.innerHTML = html.trim();
        const item = holder.content.querySelector("article");
        if (!item || known(post.id)) return;
        item.classList.add("live");
        if (timeline.dataset.live === "bar") {
          waiting.push(item);
          button.textContent = waiting.length === 1 ? bar.dataset.one
            : bar.dataset.many.replace("{n}", String(waiting.length));
          button.hidden = false;
        } else {
          place(item);
          if (status) status.textContent = status.dataset.announce.replace("{title}", item.querySelector("h2").textContent);
        }
      })
      .catch(function () { /* a post that could not be fetched shows on the next page load */ });
  }
})();

// Live updates for a timeline: new posts arrive over Server-Sent Events and are added at the top.
// The browser reconnects by itself and sends Last-Event-ID, so nothing published meanwhile is missed.
(function () {
  const timeline = document.querySelector("[data-live-channels]");
  if (!timeline || !window.EventSource) return;
  const source = new EventSource("/api/v1/stream?channels=" + encodeURIComponent(timeline.dataset.liveChannels));
  source.addEventListener("post", function (message) {
    const post = JSON.parse(message.data);
    if (timeline.querySelector('[data-post-id="' + post.id + '"]')) return;
    const item = document.createElement("article");
    item.className = "post-item live";
    item.dataset.postId = post.id;
    item.lang = post.lang || "";
    const heading = document.createElement("h2");
    const link = document.createElement("a");
    link.href = "/p/" + post.id;
    link.textContent = post.title;
    heading.appendChild(link);
    const meta = document.createElement("p");
    meta.className = "meta";
    const channel = document.createElement("a");
    channel.href = "/c/" + post.channel;
    channel.textContent = "@" + post.channel;
    meta.appendChild(channel);
    (post.badges || []).forEach(function (badge) {
      const mark = document.createElement("span");
      mark.className = "badge badge-" + badge.status;
      mark.title = badge.issuer;
      mark.textContent = badge.scope;
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(mark);
    });
    item.appendChild(heading);
    item.appendChild(meta);
    const empty = timeline.querySelector(".empty");
    if (empty) empty.remove();
    const heading1 = timeline.querySelector("h1");
    timeline.insertBefore(item, heading1 ? heading1.nextSibling : timeline.firstChild);
  });
})();

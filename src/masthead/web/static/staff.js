// Keyboard shortcuts for the moderation queue: j and k move between rows, Enter opens the current row (its
// link has the focus), t takes it. Nothing fires while typing in a field or with a modifier key held.
(function () {
  const rows = Array.from(document.querySelectorAll(".queue-row"));
  if (!rows.length) return;

  function typing(target) {
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].indexOf(target.tagName) !== -1;
  }

  function currentIndex() {
    return rows.findIndex(function (row) { return row.contains(document.activeElement); });
  }

  function select(index) {
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    rows.forEach(function (other) { other.classList.toggle("current", other === row); });
    row.querySelector("a.open").focus();
    row.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const index = currentIndex();
    if (event.key === "j") {
      select(index + 1);
    } else if (event.key === "k") {
      select(index < 0 ? 0 : index - 1);
    } else if (event.key === "t" && index >= 0) {
      const take = rows[index].querySelector("form.take");
      if (take) take.requestSubmit();
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("focusin", function () {
    const index = currentIndex();
    rows.forEach(function (row, i) { row.classList.toggle("current", i === index); });
  });

  // Back from taking an item: keep the place in the queue.
  const list = document.querySelector(".queue[data-current]");
  const target = list && document.getElementById(list.dataset.current);
  if (target) select(rows.indexOf(target));
})();

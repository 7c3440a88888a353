// The publisher's pages. After a preview or dry run replaces the composer (htmx), focus moves to its result so
// that keyboard and screen-reader users land on it; evidence files over the size limit are refused before upload.
(function () {
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "composer") return;
    const target = document.querySelector("#composer [aria-invalid=true]") ||
      document.querySelector("#composer [data-focus-after-swap]");
    if (target) target.focus();
  });
  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
    const file = input.files && input.files[0];
    const tooLarge = file && file.size > Number(input.dataset.maxBytes);
    input.setCustomValidity(tooLarge ? (document.documentElement.lang === "zh-Hans"
      ? "证明文件不能超过 10 MB。" : "Evidence files may be at most 10 MB.") : "");
    if (tooLarge) input.reportValidity();
  });
  document.addEventListener("submit", function (event) {
    const refused = event.target.querySelector("input[type=file][data-max-bytes]:invalid");
    if (refused) {
      event.preventDefault();
      refused.reportValidity();
    }
  });
})();

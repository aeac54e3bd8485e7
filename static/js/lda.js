// Moves keyboard and screen-reader focus to an error summary when a form comes back with errors.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }
  document.querySelectorAll("[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});

/* Behaviour that used to live in inline attributes (the Content-Security-Policy forbids them). */
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <select data-autosubmit>: submit its form when the choice changes (the language switcher).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });

  // data-pct-width / data-pct-left: computed sizes (progress bars, the timeline). Set through the
  // CSSOM, which the policy allows, instead of style="" attributes, which it blocks.
  function applySizes(root) {
    var elements = Array.prototype.slice.call(root.querySelectorAll("[data-pct-width], [data-pct-left]"));
    if (root.matches && root.matches("[data-pct-width], [data-pct-left]")) elements.push(root);
    elements.forEach(function (element) {
      var width = parseFloat(element.getAttribute("data-pct-width"));
      var left = parseFloat(element.getAttribute("data-pct-left"));
      if (!isNaN(width)) element.style.width = Math.max(0, Math.min(100, width)) + "%";
      if (!isNaN(left)) element.style.left = Math.max(0, Math.min(100, left)) + "%";
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(applySizes); // the first page and every fragment htmx swaps in
  } else {
    document.addEventListener("DOMContentLoaded", function () { applySizes(document.body); });
  }
})();

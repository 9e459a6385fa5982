// Conditional questions: a question with data-show-if is shown only while the earlier answer it
// names matches; a hidden question counts as unanswered for the questions below it. The server
// applies the same rule (rollout/surveys/scoring.py), so this only spares the user the noise.
(function () {
  "use strict";
  function valueOf(form, key) {
    var wrapper = form.querySelector('[data-question="' + key + '"]');
    if (wrapper && wrapper.hidden) return null;
    var inputs = form.querySelectorAll('[name="' + key + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox")) {
        if (input.checked) values.push(input.value);
      } else if (input.value !== "") {
        values.push(input.value);
      }
    });
    if (!values.length) return null;
    return values;
  }
  function matches(condition, values) {
    if (values === null) return false;
    if ("equals" in condition) {
      var expected = condition.equals === true ? "yes" : condition.equals === false ? "no" : String(condition.equals);
      return values.indexOf(expected) !== -1;
    }
    if ("in" in condition) {
      return values.some(function (v) { return condition["in"].map(String).indexOf(v) !== -1; });
    }
    if ("min" in condition) {
      var n = parseFloat(String(values[0]).replace(",", ".").replace(/\s/g, ""));
      return !isNaN(n) && n >= condition.min;
    }
    return true;
  }
  function refresh(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (wrapper) {
      var condition = JSON.parse(wrapper.getAttribute("data-show-if"));
      wrapper.hidden = !matches(condition, valueOf(form, condition.question));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-survey]").forEach(function (form) {
      refresh(form);
      form.addEventListener("change", function () { refresh(form); });
      form.addEventListener("input", function () { refresh(form); });
    });
  });
})();

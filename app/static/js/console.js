/* The 系统管理 console (Flask-Admin): what its templates did with inline handlers, which the
   CSP does not run (docs/security-headers.md). */
(function ($) {
  "use strict";
  $(document).on("click", "button[data-confirm], a[data-confirm]", function (event) {
    if (!window.confirm($(this).data("confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });
  $(document).on("click", "a[href='#']", function (event) { event.preventDefault(); });
  $(document).on("click", "a[data-model-action]", function (event) {
    event.preventDefault();
    window.modelActions.execute($(this).data("model-action"));
  });
})(window.jQuery);

// Page behaviour the Content-Security-Policy allows (no inline event handlers):
// - jQuery requests that change something send the page's CSRF token (X-CSRFToken), which
//   the server requires on unsafe /api/ calls made with the session cookie;
// - <select data-auto-submit> submits its form on change;
// - a button or link with data-confirm="…" asks first;
// - a button with data-print prints the page (e-certificates);
// - a yyyy-mm-dd date put into a date picker's box without typing (pasted, autofilled)
//   is taken by the picker, which otherwise puts its previous date back when it closes.
(function () {
  var token = $('meta[name="csrf-token"]').attr("content");
  $.ajaxSetup({
    beforeSend: function (xhr, settings) {
      var safe = /^(GET|HEAD|OPTIONS|TRACE)$/i.test(settings.type);
      var sameOrigin = !/^([a-z][a-z0-9+.-]*:)?\/\//i.test(settings.url) ||
        settings.url.indexOf(location.origin + "/") === 0;
      if (token && !safe && sameOrigin) {
        xhr.setRequestHeader("X-CSRFToken", token);
      }
    }
  });
  $(document).on("change", "select[data-auto-submit]", function () {
    this.form.submit();
  });
  $(document).on("input", ".appbuilder_date input, .appbuilder_datetime input", function () {
    var picker = $(this).closest(".appbuilder_date, .appbuilder_datetime");
    if (/^\d{4}-\d{2}-\d{2}$/.test(this.value) && picker.data("datepicker")) {
      picker.datepicker("update", this.value);
    }
  });
  $(document).on("click", "[data-confirm]", function (event) {
    if (!window.confirm($(this).data("confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });
  $(document).on("click", "[data-print]", function () {
    window.print();
  });
})();

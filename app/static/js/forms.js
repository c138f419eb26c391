// Page behaviour the Content-Security-Policy allows (no inline event handlers):
// - jQuery requests that change something send the page's CSRF token (X-CSRFToken), which
//   the server requires on unsafe /api/ calls made with the session cookie;
// - <select data-auto-submit> submits its form on change;
// - a button or link with data-confirm="…" asks first.
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
  $(document).on("click", "[data-confirm]", function (event) {
    if (!window.confirm($(this).data("confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });
})();

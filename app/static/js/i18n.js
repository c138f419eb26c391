// Localise FAB's scripts with texts rendered by the server (window.APP_TEXT): the date
// picker, select2's messages and the "no row selected" alert.
(function () {
  var T = window.APP_TEXT || {};
  if ($.fn.datepicker && T.datepicker) {
    $.fn.datepicker.dates[T.locale] = T.datepicker;
    $.fn.datepicker.defaults.language = T.locale;
    $.fn.datepicker.defaults.weekStart = T.datepicker.weekStart;
  }
  if ($.fn.select2) {
    $.fn.select2.defaults.set("language", {
      searching: function () { return T.searching; },
      noResults: function () { return T.noResults; },
      errorLoading: function () { return T.errorLoading; },
      loadingMore: function () { return T.searching; }
    });
  }
  var fabAlert = window.ab_alert;
  window.ab_alert = function (text) {
    fabAlert(text === "No row selected" ? T.noRowSelected : text);
  };
})();

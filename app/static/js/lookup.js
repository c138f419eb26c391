// Searchable relation fields: select2 asks /lookup/<entity>/?q= as the clerk types.
// Every text comes from data attributes rendered through the translation catalog.
$(function () {
  $("select.scoped-lookup").each(function () {
    var el = $(this);
    el.select2({
      theme: "bootstrap",
      allowClear: true,
      placeholder: el.data("placeholder"),
      minimumInputLength: 0,
      ajax: {
        url: el.data("url"),
        dataType: "json",
        delay: 250,
        data: function (params) { return { q: params.term || "", page: params.page || 1 }; }
      },
      language: {
        searching: function () { return el.data("searching"); },
        noResults: function () { return el.data("no-results"); },
        errorLoading: function () { return el.data("error"); },
        loadingMore: function () { return el.data("searching"); }
      }
    });
  });
});

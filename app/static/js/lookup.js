// Searchable relation fields: select2 asks /lookup/<entity>/?q= as the clerk types.
// Texts: the placeholder from the field, the rest from select2 defaults set in i18n.js.
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
      }
    });
  });
});

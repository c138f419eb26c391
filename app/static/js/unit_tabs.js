// The unit page keeps the open tab (and sub-tab) in the address, so paging a tab's list or
// coming back from a form returns to the same tab.
$(function () {
  function show(hash) {
    var link = $('a[data-toggle="tab"][href="' + hash + '"]');
    if (!link.length) { return; }
    var pane = link.closest('.tab-pane');
    if (pane.length) { $('a[data-toggle="tab"][href="#' + pane.attr('id') + '"]').tab('show'); }
    link.tab('show');
  }
  var key = 'unitTab:' + location.pathname;
  show(location.hash || sessionStorage.getItem(key) || '');
  $('a[data-toggle="tab"]').on('shown.bs.tab', function () {
    var active = $(this).attr('href');
    var sub = $(active).find('.unit-subtabs li.active a').attr('href');
    sessionStorage.setItem(key, sub || active);
    if (history.replaceState) { history.replaceState(null, '', sub || active); }
  });
});

// A record page (unit, person) keeps the open tab (and sub-tab) in the address, so paging a
// tab's list or coming back from a form returns to the same tab. The address may name a tab,
// a sub-tab or a pane inside one (a tab's 【新增】 returns to `#pane-<key>`): every tab around
// it is opened, outermost first.
$(function () {
  function show(hash) {
    var target = hash && hash.charAt(0) === '#' && document.getElementById(hash.slice(1));
    if (!target) { return; }
    var chain = $(target).parents('.tab-pane').get().reverse();
    if ($(target).hasClass('tab-pane')) { chain.push(target); }
    $.each(chain, function (_i, pane) {
      $('a[data-toggle="tab"][href="#' + pane.id + '"]').tab('show');
    });
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

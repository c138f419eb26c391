// Tabs of a record page load when first shown: a page with a dozen related lists renders only
// what the clerk opens. Paging and sorting inside a tab reload that tab in place and keep the
// arguments in the address, so reloading the page or coming back shows the same state.
// The Content-Security-Policy runs only scripts that carry this page's nonce; a tab's inline
// scripts (FAB's list actions and filters) come from our own server with the nonce of their
// own response, so they get the page's nonce before jQuery runs them.
var pageNonce = (document.currentScript && document.currentScript.nonce) || '';
$(function () {
  function withPageNonce(html) {
    var nodes = $($.parseHTML(html, document, true));
    nodes.find('script').addBack('script').each(function () { this.nonce = pageNonce; });
    return nodes;
  }
  function load(box, url) {
    box.addClass('lazy-loading');
    $.ajax({url: url, dataType: 'html'}).done(function (html) {
      box.empty().append(withPageNonce(html)).data('loaded', true).removeClass('lazy-loading');
      box.trigger('lazy-tab-loaded');
    }).fail(function () {
      box.removeClass('lazy-loading').find('.lazy-tab-status')
        .text(box.data('error')).addClass('text-danger');
    });
  }
  // Load every placeholder the clerk can see: the shown tab (and its shown sub-tab).
  function loadVisible() {
    $('.lazy-tab:visible').each(function () {
      var box = $(this);
      if (!box.data('loaded') && !box.hasClass('lazy-loading')) {
        load(box, box.data('url') + location.search);
      }
    });
  }
  $(document).on('shown.bs.tab', 'a[data-toggle="tab"]', loadVisible);
  loadVisible();  // a tab kept open from the last visit
  $(document).on('click', '.lazy-tab a[href]', function (event) {
    var box = $(this).closest('.lazy-tab'), href = $(this).attr('href');
    var base = box.data('url');
    if (href.indexOf(base) !== 0 || (href.length > base.length && href[base.length] !== '?')) {
      return;  // a link to another page
    }
    event.preventDefault();
    var query = href.slice(base.length);
    if (history.replaceState) { history.replaceState(null, '', location.pathname + query + location.hash); }
    box.data('loaded', false);
    load(box, href);
  });
});

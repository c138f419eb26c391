// A record's change log shows its latest changes; 【显示更多】 appends the next page of rows
// (ChangeLogView.history) in place of the button, which the new rows bring again while
// older changes remain.
$(function () {
  $(document).off('click.changelog').on('click.changelog', '.change-log-more', function () {
    var button = $(this), row = button.closest('tr');
    button.prop('disabled', true);
    $.ajax({url: button.data('url'), dataType: 'html'}).done(function (html) {
      row.replaceWith($.parseHTML(html));
    }).fail(function () {
      button.prop('disabled', false);
    });
  });
});

// 比对预警: 【处理】 of an identity case in a popup (the queue's rows, the case's page). The
// form of the case is loaded from the server; its submit (photo included) goes back by XHR:
// the answer is the page to return to (the message is waiting there) or the form again with
// the error at its field. Without this script the button is a link to the full page.
$(function () {
  var modal = $("#process-modal"), body = $("#process-modal-body");
  if (!modal.length) { return; }

  function failed() {
    body.html($("<div class='alert alert-danger'></div>").text(modal.data("error")));
  }
  function bind() {
    body.find("#process-back").on("click", function (event) {
      event.preventDefault();
      modal.modal("hide");
    });
    body.find("#process-form").on("submit", function (event) {
      event.preventDefault();
      var form = this, button = $(form).find("#resubmit").prop("disabled", true);
      $.ajax({
        url: form.action, type: "POST", data: new FormData(form), processData: false,
        contentType: false, headers: { "X-Requested-With": "XMLHttpRequest" }
      }).done(function (answer) {
        if (answer && answer.redirect) { window.location.assign(answer.redirect); }
      }).fail(function (xhr) {
        if (xhr.status === 400 && xhr.responseText) { body.html(xhr.responseText); bind(); }
        else { failed(); }
      }).always(function () { button.prop("disabled", false); });
    });
  }
  $(document).on("click", ".screening-process-open", function (event) {
    event.preventDefault();
    body.html("<p class='text-muted'><i class='fa fa-spinner fa-spin'></i></p>");
    modal.modal("show");
    $.get($(this).data("fragment")).done(function (html) { body.html(html); bind(); })
      .fail(failed);
  });
});

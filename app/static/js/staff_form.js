// The staff add form: as the ID number is typed, ask the server to decode it (gender, birth
// date, household region), to echo the registered name and household address (filled into
// empty fields, or fields this script filled, never over what the clerk typed) and to compare
// a typed name with the population registry. An invalid number shows its reason at the
// field; a registry mismatch shows at the name and reveals the confirmation box (the server
// refuses to save a mismatch without it); too many look-ups show the server's message.
$(function () {
  var form = $("#staff-form");
  if (!form.length) { return; }
  var url = form.data("check-url");
  var idInput = $("#id_number"), nameInput = $("#name"), addressInput = $("#household_address");
  var idFeedback = $("#id-number-feedback"), regFeedback = $("#registry-feedback");
  var timer = null, lastQuery = null;

  function clearDerived() {
    $("#derived-gender, #derived-birth, #derived-region").val("");
    unecho(nameInput);
    unecho(addressInput);
  }

  // Echo a registered value into a field the clerk left empty (or that holds our last echo).
  function echo(input, value) {
    if (!input.length || !value) { return; }
    var current = $.trim(input.val());
    if (current === "" || current === input.data("echoed")) {
      input.val(value).data("echoed", value);
    }
  }
  function unecho(input) {
    if (input.length && input.data("echoed") && $.trim(input.val()) === input.data("echoed")) {
      input.val("");
    }
    input.removeData("echoed");
  }

  function check() {
    var number = $.trim(idInput.val()), name = $.trim(nameInput.val());
    var query = number + "|" + name;
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (number.length < 15) {
      clearDerived();
      idFeedback.text("");
      $("#group-id_number").removeClass("has-error has-success");
      return;
    }
    $.getJSON(url, { id_number: number, name: name }).fail(function (xhr) {
      var data = xhr.responseJSON || {};
      if (data.error) {
        $("#group-id_number").addClass("has-error").removeClass("has-success");
        idFeedback.text(data.error);
      }
      lastQuery = null;
    }).done(function (data) {
      var group = $("#group-id_number");
      if (!data.valid) {
        clearDerived();
        group.addClass("has-error").removeClass("has-success");
        idFeedback.text(data.error);
        regFeedback.text("");
        return;
      }
      group.removeClass("has-error").addClass("has-success");
      idFeedback.text((data.warnings || []).join("；"));
      $("#derived-gender").val(data.gender_label);
      $("#derived-birth").val(data.birth_date);
      $("#derived-region").val(data.region_name);
      if (data.registered) {
        echo(nameInput, data.registered.name);
        echo(addressInput, data.registered.household_address);
      } else {
        unecho(nameInput);
        unecho(addressInput);
      }
      var nameGroup = $("#group-name");
      if (data.registry && (data.registry.status === "mismatch" || data.registry.status === "not_found")) {
        nameGroup.addClass("has-warning");
        regFeedback.text(data.registry.message);
        $("#registry-confirm-group").removeClass("hidden");
      } else {
        nameGroup.removeClass("has-warning");
        regFeedback.text(data.registry ? data.registry.message : "");
        if (data.registry && data.registry.status === "match") {
          $("#registry-confirm-group").addClass("hidden");
          $("#registry_confirmed").prop("checked", false);
        }
      }
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  }
  idInput.on("input change", schedule);
  nameInput.on("input change", schedule);
  if ($.trim(idInput.val())) { check(); }
});

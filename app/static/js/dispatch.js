// 服务（对象）单位 pages: confirmations, the service-target autocomplete and the searchable
// multi-select of guards on the 派驻 form. Texts come from the page (data-* attributes).
$(function () {
  $("[data-confirm]").on("click", function (event) {
    if (!window.confirm($(this).data("confirm"))) { event.preventDefault(); }
  });

  // ---- 派驻: several guards at once, searched on the server as the clerk types. A guard
  // not verified yet carries its identity state as a badge and saving asks to confirm; the
  // server's lines saying why someone searched for is not offered are shown, not chosen.
  var guards = $("#employments");
  function identityOf(item) {
    return item.identity || (item.element ? $(item.element).data("identity") : "") || "";
  }
  function option(item) {
    if (item.loading) { return item.text; }
    if (item.reason) { return $("<span class='text-muted guard-reason'></span>").text(item.text); }
    var identity = identityOf(item), text = $("<span></span>").text(item.text);
    if (identity) {
      text.append(" ", $("<span class='label label-warning guard-identity'></span>").text(identity));
    }
    return text;
  }
  if (guards.length) {
    guards.select2({
      theme: "bootstrap", multiple: true, placeholder: guards.data("placeholder"),
      minimumInputLength: 0, width: "100%", templateResult: option, templateSelection: option,
      ajax: {
        url: guards.data("url"), dataType: "json", delay: 250,
        data: function (params) { return { q: params.term || "", page: params.page || 1 }; }
      }
    });
    $("#dispatch-form").on("submit", function (event) {
      var flag = $("#confirm-unverified-js"), form = $(this);
      var names = guards.select2("data").filter(identityOf).map(function (item) {
        return item.text + "（" + identityOf(item) + "）";
      });
      if (!names.length || flag.val() === "1" || $("#confirm_unverified").is(":checked")) { return; }
      if (window.confirm(form.data("unverified") + "\n" + names.join("\n"))) { flag.val("1"); }
      else { event.preventDefault(); }
    });
  }

  // ---- 新增: the full name suggests registered targets; picking one fills its details.
  var name = $("#target_name");
  if (!name.length) { return; }
  var list = $("#target-suggestions"), status = $("#target-status"), id = $("#target_id");
  var category = $("#target_category"), tier = $("#target-tier");
  var details = ["address", "contact_person", "contact_phone"];
  var chosen = null, timer = null, lastResults = [];

  function badge(level) { return $("#tier-badges [data-tier='" + level + "']").html() || ""; }
  function lock(target) {
    chosen = target;
    id.val(target ? target.id : "");
    details.forEach(function (key) {
      var input = $("#target_" + key);
      if (target) { input.val(target[key]).prop("readonly", true); }
      else if (input.prop("readonly")) { input.val("").prop("readonly", false); }
    });
    if (target) {
      category.val(String(target.category_id)).prop("disabled", true);
      tier.html(badge(target.tier));
      status.text(status.data("existing"));
    } else {
      if (category.prop("disabled")) { category.val("").prop("disabled", false); tier.html(""); }
      status.text(name.val().trim() ? status.data("new") : "");
    }
  }
  function exactMatch() {
    var typed = name.val().trim();
    return lastResults.filter(function (t) { return t.name === typed; })[0] || null;
  }
  function show(results) {
    lastResults = results;
    list.empty();
    results.forEach(function (t) {
      var item = $("<li><a href='#' class='target-suggestion'></a></li>");
      item.find("a").text(t.name + "（" + t.category + "）").append(" ", $(badge(t.tier)))
        .on("mousedown", function (event) {
          event.preventDefault();
          name.val(t.name);
          list.hide();
          lock(t);
        });
      list.append(item);
    });
    list.toggle(results.length > 0);
    lock(exactMatch());
  }
  function search() {
    var q = name.val().trim();
    if (!q) { show([]); return; }
    $.getJSON(name.data("url"), { q: q }, function (data) {
      if (name.val().trim() === q) { show(data.results); }
    });
  }
  name.on("input", function () {
    if (chosen && name.val().trim() !== chosen.name) { lock(null); }
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  name.on("blur", function () { setTimeout(function () { list.hide(); }, 150); });
  category.on("change", function () {
    var level = category.find("option:selected").data("tier");
    tier.html(level ? badge(level) : "");
  });
  // Back from a refused save: re-check the typed name against the register.
  if (name.val().trim()) { search(); }
});

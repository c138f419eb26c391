/* 我的任务: each unfinished job's row asks its status every second and moves its bar;
   a finished one shows its download link. */
(function () {
  "use strict";
  var T = window.APP_TEXT || {};
  function text(key, fallback) { return T[key] || fallback; }
  function poll(row) {
    var url = row.getAttribute("data-status-url");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        var bar = row.querySelector(".job-bar");
        bar.style.width = job.percent + "%";
        bar.setAttribute("aria-valuenow", job.percent);
        bar.textContent = job.percent + "%";
        row.querySelector(".job-count").textContent =
          job.done + (job.total === null ? "" : " / " + job.total);
        row.querySelector(".job-state").textContent = job.state_label;
        row.setAttribute("data-state", job.state);
        var result = row.querySelector(".job-result");
        if (job.state === "done" && job.download) {
          result.innerHTML = "";
          var a = document.createElement("a");
          a.className = "btn btn-xs btn-primary job-download";
          a.href = job.download;
          a.textContent = text("download", "Download");
          result.appendChild(a);
        } else if (job.state === "failed") {
          result.innerHTML = "";
          var span = document.createElement("span");
          span.className = "text-danger";
          span.textContent = job.error;
          result.appendChild(span);
        }
        if (job.state === "queued" || job.state === "running") {
          setTimeout(function () { poll(row); }, 1000);
        }
      })
      .catch(function () { setTimeout(function () { poll(row); }, 2000); });
  }
  document.querySelectorAll(".job-row").forEach(function (row) {
    var state = row.getAttribute("data-state");
    if (state === "queued" || state === "running") { setTimeout(function () { poll(row); }, 1000); }
  });
})();

// The campaigns page: the campaigns with their state actions, a new campaign, and a lead list
// upload whose import progress is polled (GET /admin/imports/{id}) until it is done.
"use strict";
(function () {
  const CONFIG = JSON.parse(document.getElementById("campaigns-config").textContent);
  const POLL_MS = 300;
  const $ = (selector) => document.querySelector(selector);
  const STATES = {draft: t("draft"), running: t("running"), paused: t("paused"), stopped: t("stopped")};
  const MODES = {preview: t("preview"), progressive: t("progressive"), predictive: t("predictive")};
  const ACTIONS = {start: t("Start"), pause: t("Pause"), stop: t("Stop")};
  const COUNTS = [
    ["rows_read", (n) => tn("{n} row read", "{n} rows read", n)],
    ["loaded", (n) => tn("{n} lead loaded", "{n} leads loaded", n)],
    ["merged", (n) => tn("{n} merged into an earlier lead", "{n} merged into earlier leads", n)],
    ["duplicates", (n) => tn("{n} repeated in the file", "{n} repeated in the file", n)],
    ["bad", (n) => tn("{n} row rejected", "{n} rows rejected", n)],
    ["dnc", (n) => tn("{n} on a do-not-call list", "{n} on a do-not-call list", n)],
    ["ambiguous", (n) => tn("{n} in several time zones", "{n} in several time zones", n)],
    ["customers_linked", (n) => tn("{n} CRM customer linked", "{n} CRM customers linked", n)],
    ["customers_created", (n) => tn("{n} CRM customer created", "{n} CRM customers created", n)],
  ];

  function say(text) { $("#message").textContent = text || ""; }

  async function call(method, path, body) {
    const headers = {"X-CSRF-Token": CONFIG.csrf};
    if (body !== undefined && !(body instanceof FormData)) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {method, headers, credentials: "same-origin",
      body: body instanceof FormData || body === undefined ? body : JSON.stringify(body)});
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || t("The server answered {status}", {status: response.status}));
    return data;
  }

  function cell(row, text) {
    const td = row.insertCell();
    td.textContent = text;
    return td;
  }

  function renderCampaigns(campaigns) {
    const body = $("#campaigns tbody");
    body.replaceChildren();
    $("#no-campaigns").hidden = campaigns.length > 0;
    const select = $("#upload select[name=campaign]");
    const chosen = select.value;
    select.replaceChildren();
    for (const c of campaigns) {
      const row = body.insertRow();
      row.dataset.campaign = c.name;
      cell(row, c.name);
      cell(row, STATES[c.state] || c.state).className = "state";
      cell(row, MODES[c.mode] || c.mode);
      cell(row, c.rule_set);
      cell(row, c.queue || "—");
      const actions = cell(row, "");
      for (const [action, label] of Object.entries(ACTIONS)) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.addEventListener("click", () => act(c.name, action));
        actions.append(button);
      }
      select.append(new Option(c.name, c.name, false, c.name === chosen));
    }
  }

  async function refresh() {
    renderCampaigns((await call("GET", "/admin/campaigns")).campaigns);
  }

  async function act(name, action) {
    try {
      await call("POST", `/admin/campaigns/${encodeURIComponent(name)}/${action}`);
      say("");
      await refresh();
    } catch (error) { say(error.message); }
  }

  $("#new-campaign").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = {name: form.get("name"), rule_set: form.get("rule_set"), mode: form.get("mode"),
                  queue: form.get("queue") || null};
    try {
      await call("POST", "/admin/campaigns", body);
      event.target.reset();
      say("");
      await refresh();
    } catch (error) { say(error.message); }
  });

  function showImport(status) {
    $("#import").hidden = false;
    $("#import-progress").value = status.fraction;
    const state = {importing: t("Importing… {percent} %", {percent: fmt.number(Math.floor(status.fraction * 100))}),
                   done: t("Import finished"), failed: t("Import failed: {error}", {error: status.error || ""})};
    $("#import-state").textContent = state[status.status];
    $("#import").dataset.status = status.status;
    const counts = $("#import-counts");
    counts.replaceChildren();
    for (const [field, label] of COUNTS) {
      const term = document.createElement("dt");
      term.textContent = label(status[field]);
      term.dataset.field = field;
      counts.append(term);
    }
    const report = $("#import-report");
    report.hidden = !(status.status !== "importing" && status.error_lines > 0);
    report.href = `/admin/imports/${status.list_id}/errors.csv`;
  }

  async function follow(listId) {
    const status = await call("GET", `/admin/imports/${listId}`);
    showImport(status);
    if (status.status === "importing") setTimeout(() => follow(listId).catch((e) => say(e.message)), POLL_MS);
  }

  $("#upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const mapping = {};
    for (const field of ["phone", "first_name", "last_name", "email", "postcode", "country"]) {
      if (form.get(field)) mapping[field] = form.get(field);
    }
    const upload = new FormData();
    upload.append("mapping", JSON.stringify(mapping));
    if (form.get("region")) upload.append("region", form.get("region"));
    upload.append("file", form.get("file"));
    try {
      const started = await call("POST", `/admin/campaigns/${encodeURIComponent(form.get("campaign"))}/lists`, upload);
      say("");
      showImport(started);
      await follow(started.list_id);
    } catch (error) { say(error.message); }
  });

  $("#upload input[name=region]").placeholder = CONFIG.defaultRegion;
  refresh().catch((error) => say(error.message));
})();

// The campaigns page: the campaigns with their state actions, the live view of the running and
// paused ones (pushed by /ws/campaigns, with pause, resume and stop), a campaign's compliance
// report, a new campaign, and a lead list upload whose import progress is polled
// (GET /admin/imports/{id}) until it is done.
"use strict";
(function () {
  const CONFIG = JSON.parse(document.getElementById("campaigns-config").textContent);
  const POLL_MS = 300;
  const $ = (selector) => document.querySelector(selector);
  const STATES = {draft: t("draft"), running: t("running"), paused: t("paused"), stopped: t("stopped")};
  const MODES = {preview: t("preview"), progressive: t("progressive"), predictive: t("predictive")};
  const ACTIONS = {start: t("Start"), pause: t("Pause"), stop: t("Stop")};
  const actionLabel = (campaign, action) =>
    action === "start" && campaign.state === "paused" ? t("Resume") : ACTIONS[action];
  const COUNTS = [
    ["rows_read", (n) => tn("{n} row read", "{n} rows read", n)],
    ["loaded", (n) => tn("{n} lead loaded", "{n} leads loaded", n)],
    ["merged", (n) => tn("{n} merged into an earlier lead", "{n} merged into earlier leads", n)],
    ["duplicates", (n) => tn("{n} repeated in the file", "{n} repeated in the file", n)],
    ["bad", (n) => tn("{n} row rejected", "{n} rows rejected", n)],
    ["dnc", (n) => tn("{n} on a do-not-call list", "{n} on a do-not-call list", n)],
    ["ambiguous", (n) => tn("{n} in several time zones", "{n} in several time zones", n)],
    ["customers_linked", (n) => tn("{n} CRM customer linked", "{n} CRM customers linked", n)],
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

  function fillSelect(select, campaigns) {
    const chosen = select.value;
    select.replaceChildren(...campaigns.map((c) => new Option(c.name, c.name, false, c.name === chosen)));
  }

  function renderCampaigns(campaigns) {
    const body = $("#campaigns tbody");
    body.replaceChildren();
    $("#no-campaigns").hidden = campaigns.length > 0;
    fillSelect($("#upload select[name=campaign]"), campaigns);
    fillSelect($("#compliance select[name=campaign]"), campaigns);
    for (const c of campaigns) {
      const row = body.insertRow();
      row.dataset.campaign = c.name;
      cell(row, c.name);
      cell(row, STATES[c.state] || c.state).className = "state";
      cell(row, MODES[c.mode] || c.mode);
      cell(row, c.rule_set);
      cell(row, c.queue || "—");
      const actions = cell(row, "");
      for (const action of c.actions) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = actionLabel(c, action);
        button.addEventListener("click", () => act(c.name, action));
        actions.append(button);
      }
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

  // --- the live view ----------------------------------------------------------------------

  const LIVE_STATES = new Set(["running", "paused"]);
  const LIVE_ACTIONS = {running: [["pause", t("Pause")], ["stop", t("Stop")]],
                        paused: [["start", t("Resume")], ["stop", t("Stop")]]};

  const DAY_SECONDS = 86400;
  const WINDOWS = {[DAY_SECONDS]: t("Abandon rate, last 24 hours"),
                   [30 * DAY_SECONDS]: t("Abandon rate, last 30 days")};

  function percent(rate) {
    return t("{percent} %", {percent: fmt.number(Math.round(rate * 1000) / 10)});
  }

  function figures(c) {
    const rows = [
      ["dialed", t("Dialed"), fmt.number(c.dialed)],
      ["answered", t("Answered"), fmt.number(c.answered)],
      ["human", t("Human / machine"), t("{human} / {machine}", {human: fmt.number(c.human), machine: fmt.number(c.machine)})],
      ["abandoned", t("Abandoned"), fmt.number(c.abandoned)],
      ["leads_left", t("Leads left"), fmt.number(c.leads_left)],
    ];
    if (c.agents) {
      rows.push(["agents", t("Agents talking / waiting"),
                 t("{talking} / {waiting}", {talking: fmt.number(c.agents.talking), waiting: fmt.number(c.agents.waiting)})],
                ["in_flight", t("Calls in flight"), fmt.number(c.in_flight)],
                ["pacing", t("Pacing"), tn("{n} call at the last tick", "{n} calls at the last tick", c.pacing.decision)]);
    }
    for (const w of c.windows) {
      rows.push(["window", WINDOWS[w.seconds] || w.rule,
                 t("{rate} of at most {target}", {rate: percent(w.rate), target: percent(w.target)}), w.over]);
    }
    return rows;
  }

  function fillFigures(list, c) {
    list.replaceChildren();
    for (const [figure, label, value, over] of figures(c)) {
      const term = document.createElement("dt");
      term.textContent = label;
      const detail = document.createElement("dd");
      detail.textContent = value;
      detail.dataset.figure = figure;
      if (over) detail.className = "over";
      list.append(term, detail);
    }
    if (!c.dialing_here) {
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = t("Not dialing in this server: counts only.");
      list.append(note);
    }
  }

  function liveCard(c) {
    const card = document.createElement("article");
    card.className = "live-card";
    card.dataset.campaign = c.name;
    card.dataset.state = c.state;
    const title = document.createElement("h3");
    title.textContent = `${c.name} · ${STATES[c.state] || c.state}`;
    const list = document.createElement("dl");
    fillFigures(list, c);
    const actions = document.createElement("div");
    actions.className = "actions";
    for (const [action, label] of LIVE_ACTIONS[c.state]) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.action = action;
      button.textContent = label;
      button.addEventListener("click", () => act(c.name, action));
      actions.append(button);
    }
    card.append(title, list, actions);
    return card;
  }

  function drawLive(campaigns) {
    // A card stays while its campaign's state does (only its figures change), so a button
    // being clicked is not swapped for another under the pointer.
    const box = $("#live-campaigns");
    const cards = campaigns.filter((c) => LIVE_STATES.has(c.state)).map((c) => {
      const card = box.querySelector(`.live-card[data-campaign="${CSS.escape(c.name)}"]`);
      if (!card || card.dataset.state !== c.state) return liveCard(c);
      fillFigures(card.querySelector("dl"), c);
      return card;
    });
    if (cards.length !== box.children.length || cards.some((card, i) => box.children[i] !== card)) {
      box.replaceChildren(...cards);
    }
    $("#no-live").hidden = cards.length > 0;
    for (const c of campaigns) {
      const state = document.querySelector(`#campaigns tr[data-campaign="${CSS.escape(c.name)}"] .state`);
      if (state) state.textContent = STATES[c.state] || c.state;
    }
  }

  // --- the compliance report ---------------------------------------------------------------

  function reportRows(r) {
    const both = (rates) => [percent(rates.us_rate), percent(rates.uk_rate)];
    return [
      ["latest_day", t("Abandon rate, last 24 hours"), ...both(r.latest_day)],
      ["worst_day", t("Abandon rate, worst 24 hours"), ...both(r.worst_day)],
      ["month", t("Abandon rate, last 30 days"), ...both(r.month)],
      ["out_of_window", t("Calls outside the calling hours (must be 0)"), fmt.number(r.out_of_window)],
      ["dnc_calls", t("Calls to do-not-call numbers (must be 0)"), fmt.number(r.dnc_calls)],
      ["safe_harbor_plays", t("Safe-harbor messages played"), fmt.number(r.safe_harbor_plays)],
      ["attempts", t("Attempts / leads"), t("{attempts} / {leads}", {attempts: fmt.number(r.attempts), leads: fmt.number(r.leads)})],
      ["attempts_per_lead", t("Attempts per lead (mean / most)"),
       t("{mean} / {most}", {mean: fmt.number(Math.round(r.attempts_per_lead_mean * 100) / 100), most: fmt.number(r.attempts_per_lead_max)})],
    ];
  }

  $("#compliance-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const path = `/admin/campaigns/${encodeURIComponent(new FormData(event.target).get("campaign"))}/compliance`;
    try {
      const found = await call("GET", path);
      const body = $("#compliance-report tbody");
      body.replaceChildren();
      for (const [figure, label, ...values] of reportRows(found)) {
        const row = body.insertRow();
        row.dataset.figure = figure;
        cell(row, label);
        for (const value of values) cell(row, value);
        if (values.length === 1) row.cells[1].colSpan = 2;
      }
      $("#compliance-report").hidden = false;
      const csv = $("#compliance-csv");
      csv.href = `${path}.csv`;
      csv.hidden = false;
      say("");
    } catch (error) { say(error.message); }
  });

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

  $("#national-dnc").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = $("#national-dnc-result");
    result.hidden = true;
    try {
      const loaded = await call("POST", "/admin/dnc/national", new FormData(event.target));
      result.textContent = [
        tn("{n} number on the list", "{n} numbers on the list", loaded.count),
        tn("{n} row was no number", "{n} rows were no number", loaded.bad),
        tn("{n} lead marked do-not-call", "{n} leads marked do-not-call", loaded.leads_marked),
      ].join(" · ");
      result.hidden = false;
      say("");
    } catch (error) { say(error.message); }
  });

  $("#upload input[name=region]").placeholder = CONFIG.defaultRegion;
  refresh().catch((error) => say(error.message));
  liveSocket("/ws/campaigns", $("#link"), (msg) => { if (msg.type === "campaigns") drawLive(msg.campaigns); });
})();

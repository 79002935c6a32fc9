// The wallboard: follows /ws/wallboard (the server pushes every change; no polling), draws a
// tile per queue and the agent grid, and posts supervisor actions to /wallboard/actions.
// Every visible string goes through t()/tn() and every figure through fmt (/i18n/i18n.js,
// loaded first). How a figure stands against its target (its colour) and which targets are
// missed (the alerts) is the server's word: ctiserver.acd.wallboard_levels.
"use strict";

const STALE_MS = 5000;       // the server refreshes at least every second
const CONFIG = JSON.parse(document.getElementById("wallboard-config").textContent);
const STATE_LABELS = {
  logged_out: t("logged out"), available: t("available"), ringing: t("ringing"), on_call: t("on call"),
  on_hold: t("on hold"), wrapup: t("after-call work"), paused: t("paused"), unavailable: t("phone unavailable"),
};
const DIRECTIONS = {inbound: t("inbound call"), outbound: t("outbound call")};
const AFTER_CALL = "after-call work";  // the after-call gate's pause reason
const REASONS = {break: t("Break"), lunch: t("Lunch"), training: t("Training"), meeting: t("Meeting"),
                 technical: t("Technical problem"), [AFTER_CALL]: t("After-call work")};
const SPY_STATES = new Set(["on_call", "on_hold"]);
const NO_PHONE = t("Listen, whisper and barge need your phone: ask an admin to give your user an extension.");

let period = localStorage.getItem("wallboard.period") || "today";
let last = null;          // the latest stats message
let skew = 0;             // server clock - local clock, seconds
let lastMessageAt = 0;
const rows = new Map();   // interface -> <tr>

// --- formatting --------------------------------------------------------------------------

const NONE = "—";  // a figure without a value: no call yet
function clock(seconds) { return seconds === null || seconds === undefined ? NONE : fmt.clock(seconds); }
// Tenths of a percent, as the server compares them (wallboard_levels.shown_permille).
function percent(ratio) {
  if (ratio === null || ratio === undefined) return NONE;
  return t("{percent}%", {percent: fmt.number(Math.round(ratio * 1000) / 10)});
}
function serverNow() { return Date.now() / 1000 + skew; }
const reasonWords = (reason) => REASONS[reason] || reason;

const ALERT_TEXT = {
  longest_wait: (q, a) => t("{queue}: a caller has waited {value} — alert above {target}",
                            {queue: q, value: clock(a.value), target: clock(a.target)}),
  service_level: (q, a) => t("{queue}: service level today {value} — target at least {target}",
                             {queue: q, value: percent(a.value), target: percent(a.target)}),
  asa: (q, a) => t("{queue}: average speed of answer today {value} — target at most {target}",
                   {queue: q, value: clock(a.value), target: clock(a.target)}),
  abandon_rate: (q, a) => t("{queue}: abandon rate today {value} — target at most {target}",
                            {queue: q, value: percent(a.value), target: percent(a.target)}),
};

// --- drawing -----------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

function figure(label, value, cls = "", testid = "", title = "") {
  const b = el("b", {class: cls || ""}, value);
  if (testid) b.setAttribute("data-figure", testid);
  return el("div", title ? {title} : {}, el("span", {class: "label"}, label), b);
}

function tile(q, isAll) {
  const p = q[period];
  const levels = p.levels || {};
  const waitLevel = q.wait_level || "";
  const count = (n) => fmt.number(n ?? 0);
  const abandoned = el("b", {"data-figure": "abandoned"}, count(p.abandoned), " ",
                       el("small", {}, t("({n} short)", {n: count(p.short_abandoned)})));
  const exits = el("b", {},
    el("span", {"data-figure": "timed_out"}, count(p.timed_out)), " · ",
    el("span", {"data-figure": "exit_empty"}, count(p.exit_empty)), " · ",
    el("span", {"data-figure": "exit_key"}, count(p.exit_key)));
  const target = q.targets
    ? t("target {percent} answered within {time}", {percent: percent(q.targets.sl_target),
                                                   time: fmt.duration(q.targets.sl_threshold)})
    : "";
  return el("section", {class: "tile" + (isAll ? " all" : "") + (q.alerts && q.alerts.length ? " missed" : ""),
                        "data-queue": isAll ? "*all*" : q.queue},
    el("h2", {}, isAll ? t("All queues") : q.queue, el("small", {}, target)),
    el("div", {class: "big"},
       figure(t("Waiting"), count(q.waiting), waitLevel, "waiting"),
       figure(t("Longest wait"), clock(q.longest_wait), waitLevel, "longest_wait")),
    el("div", {class: "figures"},
       figure(t("Offered"), count(p.offered), "", "offered"),
       figure(t("Answered"), count(p.answered), "", "answered"),
       el("div", {title: t("Callers who hung up while waiting; short: within the queue's short-abandon time, left out of the abandon rate")},
          el("span", {class: "label"}, t("Abandoned")), abandoned),
       el("div", {title: t("Callers who left the queue without hanging up: waited until the queue's time limit · no agent could take calls · pressed a key to leave")},
          el("span", {class: "label"}, t("Timed out · no agent · key")), exits),
       figure(t("Service level"), percent(p.service_level[last.service_level_default]),
              levels.service_level, "service_level", t("See the explanation at the bottom of the page")),
       figure(t("Avg. speed of answer"), clock(p.asa), levels.asa, "asa",
              t("Average wait of the callers answered")),
       figure(t("Avg. handle time"), clock(p.aht), "", "aht", t("Average talk, hold and after-call work per call")),
       figure(t("Abandon rate"), percent(p.abandon_rate), levels.abandon_rate, "abandon_rate",
              t("Hang-ups (short ones left out) among the callers who left the queue")),
       figure(t("Occupancy"), percent(p.occupancy), "", "occupancy",
              t("Time on calls and in after-call work, of the time logged in and not paused")),
       ...(isAll ? [] : [figure(t("Satisfaction today"), surveyWords(q.survey), "", "survey",
                               surveyTitle(q.survey))])),
    el("div", {class: "states"},
       ...Object.entries(q.agents_by_state).filter(([s]) => s !== "logged_out")
         .map(([s, n]) => el("span", {class: "chip"}, t("{state}: {n}", {state: STATE_LABELS[s] || s, n: count(n)})))));
}

function drawTiles(msg) {
  const tiles = [tile(msg.all, true), ...Object.values(msg.queues).map((q) => tile(q, false))];
  document.getElementById("tiles").replaceChildren(...tiles);
  const alerts = [];
  for (const q of Object.values(msg.queues)) {
    for (const a of q.alerts || []) {
      alerts.push(el("div", {class: "alert", "data-alert": `${q.queue}:${a.metric}`}, "⚠ ", ALERT_TEXT[a.metric](q.queue, a)));
    }
  }
  document.getElementById("alerts").replaceChildren(...alerts);
}

function agentName(iface, agent) {
  const known = CONFIG.directory[iface];
  return known ? known.name : (agent.name || iface);
}

const ACTION_LABELS = {listen: t("Listen"), whisper: t("Whisper"), barge: t("Barge"), pause: t("Pause"),
                       unpause: t("Unpause"), logout: t("Out of queues")};
const ACTION_TITLES = {listen: t("Listen to the call on your phone"), whisper: t("Talk to the agent only"),
                       barge: t("Talk to the agent and the caller"), pause: t("Pause the agent with a reason"),
                       unpause: t("Make the agent available again"), logout: t("Remove the agent from all queues")};

// Today's mean post-call survey score (1-5) of an agent's or a queue's calls, "–" before any.
function surveyWords(survey) {
  return survey ? fmt.number(Math.round(survey.mean * 10) / 10) : "–";
}

function surveyTitle(survey) {
  return survey ? tn("{n} survey answer today", "{n} survey answers today", survey.answers)
    : t("No survey answer today");
}

function showSurvey(cell, survey) {
  cell.textContent = surveyWords(survey);
  cell.title = surveyTitle(survey);
}

function newRow(iface) {
  const button = (action, onclick) =>
    el("button", {type: "button", "data-action": action, onclick}, ACTION_LABELS[action]);
  const actions = el("div", {class: "actions"},
    ...["listen", "whisper", "barge"].map((a) => button(a, () => request(iface, a))),
    button("pause", () => askReason(iface)),
    ...["unpause", "logout"].map((a) => button(a, () => request(iface, a))));
  const row = el("tr", {"data-agent": iface},
    el("td", {class: "name"}), el("td", {}, el("span", {class: "state"})), el("td", {class: "reason"}),
    el("td", {class: "num time"}), el("td", {class: "num calls"}), el("td", {class: "num survey"}), el("td", {class: "queues"}),
    el("td", {}, actions));
  rows.set(iface, row);
  return row;
}

function drawAgents(msg) {
  const entries = Object.entries(msg.agents)
    .sort(([a, x], [b, y]) => agentName(a, x).localeCompare(agentName(b, y)));
  const body = document.querySelector("#agents tbody");
  for (const iface of rows.keys()) {
    if (!(iface in msg.agents)) { rows.get(iface).remove(); rows.delete(iface); }
  }
  for (const [iface, agent] of entries) {
    const row = rows.get(iface) || newRow(iface);
    const known = CONFIG.directory[iface];
    const name = agentName(iface, agent);
    row.querySelector(".name").replaceChildren(name,
      el("span", {class: "ext"}, known && known.extension ? known.extension : ""));
    const state = row.querySelector(".state");
    state.className = "state s-" + agent.state;
    state.textContent = STATE_LABELS[agent.state] || agent.state;
    row.dataset.state = agent.state;
    row.dataset.since = agent.since;
    row.querySelector(".reason").textContent = agent.reason ? reasonWords(agent.reason)
      : (agent.direction && agent.state !== "ringing" ? DIRECTIONS[agent.direction] || agent.direction : "");
    row.querySelector(".calls").textContent = fmt.number(agent.answered ?? 0);
    showSurvey(row.querySelector(".survey"), agent.survey);
    row.querySelector(".queues").textContent = agent.queues.join(", ");
    for (const b of row.querySelectorAll("button[data-action]")) {
      const why = whyNot(b.dataset.action, agent.state, name);
      b.disabled = Boolean(why);
      b.title = why || ACTION_TITLES[b.dataset.action];
    }
    body.append(row);  // keeps the sort order; moving a node keeps its buttons
  }
  document.getElementById("empty").hidden = entries.length > 0;
  tick();
}

// Why ACTION cannot be done on an agent in STATE now, in words; "" when it can.
function whyNot(action, state, name) {
  if (CONFIG.spyModes.includes(action)) {
    if (!CONFIG.canSpy) return NO_PHONE;
    return SPY_STATES.has(state) ? "" : t("{name} is not on a call: listen, whisper and barge work during a call.", {name});
  }
  if (state === "logged_out") return t("{name} is not in any queue.", {name});
  if (action === "pause" && state === "paused") return t("{name} is already paused.", {name});
  if (action === "unpause" && state !== "paused") return t("{name} is not paused.", {name});
  return "";
}

function tick() {
  const now = serverNow();
  for (const row of rows.values()) row.querySelector(".time").textContent = fmt.clock(now - Number(row.dataset.since));
  document.getElementById("clock").textContent = fmt.time(new Date());
  const link = document.getElementById("link");
  if (link.classList.contains("live") && Date.now() - lastMessageAt > STALE_MS) link.textContent = t("no updates…");
}

function draw() {
  if (!last) return;
  drawTiles(last);
  drawAgents(last);
}

// --- actions -----------------------------------------------------------------------------

const ACTION_SENT = {
  listen: (name) => t("Your phone rings to listen to {name}.", {name}),
  whisper: (name) => t("Your phone rings to whisper to {name}.", {name}),
  barge: (name) => t("Your phone rings to barge in on {name}'s call.", {name}),
  pause: (name) => t("{name} is paused.", {name}),
  unpause: (name) => t("{name} is available again.", {name}),
  logout: (name) => t("{name} is out of all queues.", {name}),
};

function toast(text, isError) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = isError ? "error" : "";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.textContent = ""; }, 6000);
}

async function request(iface, action, reason) {
  const body = {action, agent: iface};
  if (reason) body.reason = reason;
  const name = agentName(iface, {}), label = ACTION_LABELS[action];
  try {
    const response = await fetch("/wallboard/actions", {
      method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": CONFIG.csrf},
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) toast(ACTION_SENT[action](name), false);
    else toast(t("{action} refused: {error}", {action: label, error: answer.error || t("HTTP {status}", {status: response.status})}), true);
  } catch (e) {
    toast(t("{action} failed: the server is unreachable.", {action: label}), true);
  }
}

function askReason(iface) {
  const dialog = document.getElementById("pause-dialog");
  dialog.querySelector(".title").textContent = t("Pause {name} — reason:", {name: agentName(iface, {})});
  dialog.querySelector(".reasons").replaceChildren(
    ...CONFIG.pauseReasons.map((r) => el("button", {value: r, "data-reason": r}, reasonWords(r))));
  dialog.onclose = () => { if (dialog.returnValue) request(iface, "pause", dialog.returnValue); };
  dialog.returnValue = "";
  dialog.showModal();
}

// --- the websocket -----------------------------------------------------------------------

function received(msg) {
  if (msg.type !== "stats") return;
  lastMessageAt = Date.now();
  skew = msg.at - Date.now() / 1000;
  document.getElementById("link").textContent = t("live");
  // Between full snapshots the server sends only the tiles and agents that changed.
  last = msg.full || !last ? msg : {...last, ...msg, queues: {...last.queues, ...msg.queues},
                                    agents: {...last.agents, ...msg.agents}};
  draw();
}

for (const button of document.querySelectorAll(".periods button")) {
  button.setAttribute("aria-pressed", String(button.dataset.period === period));
  button.onclick = () => {
    period = button.dataset.period;
    localStorage.setItem("wallboard.period", period);
    for (const b of document.querySelectorAll(".periods button")) b.setAttribute("aria-pressed", String(b === button));
    draw();
  };
}
setInterval(tick, 1000);
tick();
liveSocket("/ws/wallboard", document.getElementById("link"), received);

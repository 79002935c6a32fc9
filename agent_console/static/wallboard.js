// The wallboard: follows /ws/wallboard (the server pushes every change; no polling), draws a
// tile per queue and the agent grid, and posts supervisor actions to /wallboard/actions.
"use strict";

const SESSION_ENDED = 4401;  // ctiserver.web.agentsocket.SESSION_ENDED
const PING_MS = 60000;       // pings keep the login session alive while the board is open
const STALE_MS = 5000;       // the server refreshes at least every second
const CONFIG = JSON.parse(document.getElementById("wallboard-config").dataset.config);
const STATE_LABELS = {
  logged_out: "logged out", available: "available", ringing: "ringing", on_call: "on call",
  on_hold: "on hold", wrapup: "wrap-up", paused: "paused", unavailable: "unavailable",
};
const SPY_STATES = new Set(["on_call", "on_hold"]);

let period = localStorage.getItem("wallboard.period") || "today";
let last = null;          // the latest stats message
let skew = 0;             // server clock - local clock, seconds
let lastMessageAt = 0;
const rows = new Map();   // interface -> <tr>

// --- formatting --------------------------------------------------------------------------

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
}
function percent(ratio) { return ratio === null || ratio === undefined ? "—" : Math.round(ratio * 100) + "%"; }
function serverNow() { return Date.now() / 1000 + skew; }

// Colour of a figure against the queue's targets: good (met), warn (close), bad (missed).
function level(metric, value, targets) {
  if (!targets || value === null || value === undefined) return "";
  switch (metric) {
    case "longest_wait":
      return value >= targets.max_wait_alert ? "bad" : value >= targets.max_wait_alert / 2 ? "warn" : "good";
    case "service_level":
      return value >= targets.sl_target ? "good" : value >= targets.sl_target - 0.1 ? "warn" : "bad";
    case "asa":
      return value <= targets.asa_target ? "good" : value <= targets.asa_target * 1.5 ? "warn" : "bad";
    case "abandon_rate":
      return value <= targets.abandon_rate_target ? "good" : value <= targets.abandon_rate_target * 2 ? "warn" : "bad";
    default:
      return "";
  }
}

const ALERT_TEXT = {
  longest_wait: (a) => `longest wait ${duration(a.value)} over ${duration(a.target)}`,
  service_level: (a) => `service level today ${percent(a.value)} under target ${percent(a.target)}`,
  asa: (a) => `ASA today ${duration(a.value)} over target ${duration(a.target)}`,
  abandon_rate: (a) => `abandon rate today ${percent(a.value)} over target ${percent(a.target)}`,
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

function figure(label, value, cls = "", testid = "") {
  const b = el("b", {class: cls}, value);
  if (testid) b.setAttribute("data-figure", testid);
  return el("div", {}, el("span", {class: "label"}, label), b);
}

function tile(t, isAll) {
  const p = t[period];
  const targets = isAll ? null : t.targets;
  const waitLevel = t.waiting ? level("longest_wait", t.longest_wait, targets) : (targets ? "good" : "");
  const sl = p.service_level[CONFIG.slVariant];
  const abandoned = el("b", {}, String(p.abandoned), " ", el("small", {}, `(${p.short_abandoned} short)`));
  abandoned.setAttribute("data-figure", "abandoned");
  const exits = el("b", {},
    el("span", {"data-figure": "timed_out"}, String(p.timed_out)), " · ",
    el("span", {"data-figure": "exit_empty"}, String(p.exit_empty ?? 0)), " · ",
    el("span", {"data-figure": "exit_key"}, String(p.exit_key ?? 0)));
  const node = el("section", {class: "tile" + (isAll ? " all" : "") + (t.alerts && t.alerts.length ? " missed" : ""),
                              "data-queue": isAll ? "*all*" : t.queue},
    el("h2", {}, isAll ? "All queues" : t.queue,
       el("small", {}, targets ? `SL ${percent(targets.sl_target)} in ${targets.sl_threshold}s` : "")),
    el("div", {class: "big"},
       figure("Waiting", String(t.waiting), waitLevel, "waiting"),
       figure("Longest wait", duration(t.longest_wait), t.waiting ? waitLevel : "", "longest_wait")),
    el("div", {class: "figures"},
       figure("Offered", String(p.offered), "", "offered"),
       figure("Answered", String(p.answered), "", "answered"),
       el("div", {}, el("span", {class: "label"}, "Abandoned"), abandoned),
       el("div", {title: "left the queue alive: Queue() timed out · no agent could take calls · pressed a key"},
          el("span", {class: "label"}, "Timed out · no agent · key"), exits),
       figure("Service level", percent(sl), level("service_level", sl, targets), "service_level"),
       figure("ASA", duration(p.asa), level("asa", p.asa, targets), "asa"),
       figure("AHT", duration(p.aht), "", "aht"),
       figure("Abandon rate", percent(p.abandon_rate), level("abandon_rate", p.abandon_rate, targets), "abandon_rate"),
       figure("Occupancy", percent(p.occupancy), "", "occupancy")),
    el("div", {class: "states"},
       ...Object.entries(t.agents_by_state).filter(([s]) => s !== "logged_out")
         .map(([s, n]) => el("span", {class: "chip"}, `${STATE_LABELS[s] || s} ${n}`))));
  return node;
}

function drawTiles(msg) {
  const tiles = [tile(msg.all, true), ...Object.values(msg.queues).map((t) => tile(t, false))];
  document.getElementById("tiles").replaceChildren(...tiles);
  const alerts = [];
  for (const t of Object.values(msg.queues)) {
    for (const a of t.alerts || []) {
      const text = (ALERT_TEXT[a.metric] || (() => `${a.metric} missed its target`))(a);
      alerts.push(el("div", {class: "alert", "data-alert": `${t.queue}:${a.metric}`}, `⚠ ${t.queue}: ${text}`));
    }
  }
  document.getElementById("alerts").replaceChildren(...alerts);
}

function agentName(iface, agent) {
  const known = CONFIG.directory[iface];
  return known ? known.name : (agent.name || iface);
}

function newRow(iface) {
  const button = (label, action, title) =>
    el("button", {type: "button", title, "data-action": action, onclick: () => request(iface, action)}, label);
  const actions = el("div", {class: "actions"},
    button("Listen", "listen", "listen to the call on your phone"),
    button("Whisper", "whisper", "talk to the agent only"),
    button("Barge", "barge", "talk to agent and caller"),
    el("button", {type: "button", "data-action": "pause", onclick: () => askReason(iface)}, "Pause"),
    button("Unpause", "unpause", "back to available"),
    button("Log out", "logout", "remove from all queues"));
  const row = el("tr", {"data-agent": iface},
    el("td", {class: "name"}), el("td", {}, el("span", {class: "state"})), el("td", {class: "reason"}),
    el("td", {class: "num time"}), el("td", {class: "num calls"}), el("td", {class: "queues"}), el("td", {}, actions));
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
    row.querySelector(".name").replaceChildren(agentName(iface, agent),
      el("span", {class: "ext"}, known && known.extension ? known.extension : ""));
    const state = row.querySelector(".state");
    state.className = "state s-" + agent.state;
    state.textContent = STATE_LABELS[agent.state] || agent.state;
    row.dataset.state = agent.state;
    row.dataset.since = agent.since;
    row.querySelector(".reason").textContent = agent.reason || (agent.direction && agent.state !== "ringing" ? agent.direction : "");
    row.querySelector(".calls").textContent = agent.handled;
    row.querySelector(".queues").textContent = agent.queues.join(", ");
    for (const b of row.querySelectorAll("button[data-action]")) b.disabled = !allowed(b.dataset.action, agent.state);
    body.append(row);  // keeps the sort order; moving a node keeps its buttons
  }
  document.getElementById("empty").hidden = entries.length > 0;
  tick();
}

function allowed(action, state) {
  if (CONFIG.spyModes.includes(action)) return CONFIG.canSpy && SPY_STATES.has(state);
  if (action === "pause") return state !== "logged_out" && state !== "paused";
  if (action === "unpause") return state === "paused";
  return state !== "logged_out";
}

function tick() {
  const now = serverNow();
  for (const row of rows.values()) row.querySelector(".time").textContent = duration(now - Number(row.dataset.since));
  document.getElementById("clock").textContent = new Date().toLocaleTimeString([], {hour12: false});
  const link = document.getElementById("link");
  if (link.classList.contains("live") && Date.now() - lastMessageAt > STALE_MS) link.textContent = "no updates…";
}

function draw() {
  if (!last) return;
  drawTiles(last);
  drawAgents(last);
}

// --- actions -----------------------------------------------------------------------------

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
  try {
    const response = await fetch("/wallboard/actions", {
      method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": CONFIG.csrf},
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({error: `HTTP ${response.status}`}));
    if (response.ok) toast(`${action}: ${agentName(iface, {})} — sent`, false);
    else toast(`${action} refused: ${answer.error || response.status}`, true);
  } catch (e) {
    toast(`${action} failed: server unreachable`, true);
  }
}

function askReason(iface) {
  const dialog = document.getElementById("pause-dialog");
  dialog.querySelector(".who").textContent = agentName(iface, {});
  dialog.querySelector(".reasons").replaceChildren(
    ...CONFIG.pauseReasons.map((r) => el("button", {value: r, "data-reason": r}, r)));
  dialog.onclose = () => { if (dialog.returnValue) request(iface, "pause", dialog.returnValue); };
  dialog.returnValue = "";
  dialog.showModal();
}

// --- the websocket -----------------------------------------------------------------------

function connect(delay = 1000) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/wallboard`);  // the session cookie authenticates
  const link = document.getElementById("link");
  let opened = false, pinger = null;
  ws.onopen = () => {
    opened = true;
    link.textContent = "live";
    link.className = "live";
    pinger = setInterval(() => ws.send(JSON.stringify({type: "ping"})), PING_MS);
  };
  ws.onclose = (event) => {
    clearInterval(pinger);
    link.textContent = "reconnecting…";
    link.className = "down";
    if (event.code === SESSION_ENDED) { location.assign("/login?next=/wallboard"); return; }
    if (!opened) loginIfLoggedOut();  // a refused handshake: maybe the session is gone
    setTimeout(() => connect(opened ? 1000 : Math.min(delay * 2, 15000)), opened ? 1000 : delay);
  };
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type !== "stats") return;
    lastMessageAt = Date.now();
    skew = msg.at - Date.now() / 1000;
    link.textContent = "live";
    // Between full snapshots the server sends only the tiles and agents that changed.
    last = msg.full || !last ? msg : {...last, ...msg, queues: {...last.queues, ...msg.queues},
                                      agents: {...last.agents, ...msg.agents}};
    draw();
  };
}

async function loginIfLoggedOut() {
  try {
    const response = await fetch(location.pathname, {redirect: "manual"});
    if (response.type === "opaqueredirect" || response.status === 401) location.assign("/login?next=/wallboard");
  } catch (e) { /* server unreachable: keep reconnecting */ }
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
connect();

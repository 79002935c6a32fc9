// The agent console: status bar, screen pop card, search, call controls, after-call work.
// Plain JavaScript. Which calls wait for a wrap-up is the server's word (pending_wrapups in
// /api/agent/state, kept by the after-call gate across CTI restarts) and what the form needs is
// in /api/calls/{key}, so any tab or browser shows every pending form; whatever the agent types
// in it is kept in sessionStorage until the server stored it, so a reload loses nothing.
"use strict";
(function () {
  const CONFIG = JSON.parse(document.getElementById("config").textContent);
  const SESSION_ENDED = 4401;  // ctiserver.web.agentsocket.SESSION_ENDED
  const PING_MS = 60000;
  const STATE_REFRESH_MS = 5000;
  const STORE = "console.wrapups";  // sessionStorage: {call_id: {queue, customer_id, started, fields,
                                    //   ended, pending: the server listed it as waiting}}
  const DETAILS_RETRY_MS = 700, DETAILS_TRIES = 15;  // the CRM row follows the hangup by ~0.2 s
  const $ = (id) => document.getElementById(id);

  let agent = null, stateSkew = 0;      // last /api/agent/state and server-minus-browser clock
  let call = null;                       // {call_id, queue, number, customer_id, state}
  let wrapupCall = null;                 // call_id whose after-call form is shown
  let wrapupSeq = 0;                     // bumped whenever the form changes call: late answers drop
  const submitted = new Set();           // wrap-ups this tab stored

  // --- helpers -------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c != null) node.append(c instanceof Node ? c : String(c));
    return node;
  }
  function say(text, isError) {
    const m = $("message");
    m.textContent = text || "";
    m.className = isError ? "error" : "";
  }
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
  }
  async function api(method, path, body) {
    const options = {method, headers: {}};
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = CONFIG.csrf;
      options.body = JSON.stringify(body || {});
    }
    let response;
    try { response = await fetch(path, options); }
    catch (e) { throw new Error("the server is unreachable"); }
    if (response.status === 401) { location.assign("/login?next=/console"); throw new Error("logged out"); }
    let data = null;
    try { data = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) throw new Error((data && data.error) || `${path}: HTTP ${response.status}`);
    return data;
  }
  async function act(method, path, body, done) {
    try { const r = await api(method, path, body); say(done || "Done."); refreshState(); return r; }
    catch (e) { say(e.message, true); return null; }
  }

  // --- status bar ----------------------------------------------------------------------------
  for (const reason of CONFIG.pauseReasons) $("pause-reason").append(el("option", {value: reason}, reason));

  async function refreshState() {
    let state;
    try { state = await api("GET", "/api/agent/state"); }
    catch (e) { $("agent-state").textContent = "unknown"; $("agent-reason").textContent = e.message; return; }
    agent = state;
    stateSkew = state.now * 1000 - Date.now();
    $("agent-state").textContent = state.state;
    $("agent-state").dataset.state = state.state;
    $("agent-reason").textContent = state.reason || "";
    $("my-queues").textContent = state.queues.length ? "in " + state.queues.join(", ") : "not in any queue";
    const select = $("queue-select"), chosen = new Set([...select.selectedOptions].map((o) => o.value));
    if ([...select.options].map((o) => o.value).join() !== state.available.join()) {
      select.replaceChildren(...state.available.map((q) => el("option", {value: q}, q)));
      select.size = Math.min(4, Math.max(1, state.available.length));
    }
    for (const o of select.options) o.selected = chosen.has(o.value);
    syncWrapups(state.pending_wrapups || [], state.pending_complete !== false);
    tick();
  }
  function tick() {
    if (agent && agent.since) $("time-in-state").textContent = clock((Date.now() + stateSkew) / 1000 - agent.since);
    const saved = wrapupCall && loadStore()[wrapupCall];
    if (saved) $("wrapup-timer").textContent = clock((Date.now() - saved.started) / 1000);
  }
  setInterval(tick, 1000);
  setInterval(refreshState, STATE_REFRESH_MS);

  $("queue-login").onclick = () => {
    const queues = [...$("queue-select").selectedOptions].map((o) => o.value);
    if (!queues.length) { say("Choose one or more queues first.", true); return; }
    act("POST", "/api/agent/login", {queues}, "Logged in to " + queues.join(", ") + ".");
  };
  $("queue-logout").onclick = () => {
    const queues = [...$("queue-select").selectedOptions].map((o) => o.value);
    act("POST", "/api/agent/logout", queues.length ? {queues} : {}, "Logged out.");
  };
  $("pause").onclick = () => act("POST", "/api/agent/pause", {reason: $("pause-reason").value}, "Paused.");
  $("unpause").onclick = () => act("POST", "/api/agent/unpause", {}, "Available.");

  // --- customer card, search, new customer ---------------------------------------------------
  function dialButton(number) {
    return el("button", {type: "button", class: "small", onclick: () => dial(number)}, "Dial");
  }
  function list(title, items, render) {
    return el("div", {class: "block"}, el("h4", {}, title),
      items && items.length ? el("ul", {}, ...items.map((i) => el("li", {}, ...render(i)))) : el("p", {class: "muted"}, "none"));
  }
  function showCard(card) {
    const box = $("customer");
    box.replaceChildren(
      el("h2", {class: "name"}, card.name, card.vip ? el("span", {class: "vip"}, " VIP") : null),
      el("dl", {},
        el("dt", {}, "Company"), el("dd", {class: "company"}, card.company || "—"),
        el("dt", {}, "E-mail"), el("dd", {}, card.email || "—"),
        el("dt", {}, "Time zone"), el("dd", {}, card.timezone || "—"),
        el("dt", {}, "Tags"), el("dd", {class: "tags"}, (card.tags || []).join(", ") || "—"),
        el("dt", {}, "Numbers"), el("dd", {class: "numbers"},
          ...(card.numbers || []).map((n) => el("div", {}, n.number, n.label ? ` (${n.label})` : "", " ", dialButton(n.number))))),
      list("Past calls", card.timeline, (t) => [
        (t.when || "").replace("T", " ").slice(0, 16), " · ", t.queue || "", " · ", t.outcome || "",
        t.disposition ? " · " + t.disposition : "", t.agent ? " · " + t.agent : "",
        t.note ? el("div", {class: "note"}, t.note) : null,
        t.collected ? el("div", {class: "collected"}, Object.entries(t.collected).map(([k, v]) => k + ": " + v).join(" · ")) : null]),
      list("Open tickets", card.tickets, (t) => [t.category || "", " · ", t.priority || "", " · ", t.description || t.status || ""]),
      list("Callbacks", card.callbacks, (c) => [c.due_local, " ", c.timezone, " · ", c.for, c.note ? " · " + c.note : ""]),
    );
    box.dataset.customerId = card.id;
    box.hidden = false;
    $("new-customer").hidden = true;
    $("idle").hidden = true;
  }
  async function openCustomer(id) {
    try { showCard(await api("GET", `/api/customers/${id}`)); }
    catch (e) { say("Customer card: " + e.message, true); }
  }
  function showNewCustomer(number, name) {
    $("customer").hidden = true;
    $("idle").hidden = true;
    $("new-number").value = number || "";
    $("new-name").value = name || "";  // the caller ID name, for the agent to confirm
    $("new-customer").hidden = false;
  }
  $("new-customer").onsubmit = async (event) => {
    event.preventDefault();
    const body = {name: $("new-name").value, numbers: $("new-number").value ? [$("new-number").value] : [],
      company: $("new-company").value || null, email: $("new-email").value || null};
    const made = await act("POST", "/api/customers", body, "Customer created.");
    if (made) {
      if (call && !call.customer_id) { call.customer_id = made.id; rememberCustomer(call.call_id, made.id); }
      openCustomer(made.id);
    }
  };
  $("search-form").onsubmit = async (event) => {
    event.preventDefault();
    const q = $("search").value.trim(), out = $("search-results");
    if (!q) return;
    try {
      const data = await api("GET", "/api/customers/search?q=" + encodeURIComponent(q));
      const found = data.customers || data;
      out.replaceChildren(...(found.length ? found.map((c) => el("li", {},
        el("a", {href: "#", onclick: (e) => { e.preventDefault(); openCustomer(c.id); }}, c.name),
        " ", c.company || "", " ", (c.numbers || []).map((n) => n.number).join(", "), " ", c.email || ""))
        : [el("li", {class: "muted"}, "nobody found")]));
    } catch (e) { out.replaceChildren(el("li", {class: "error"}, e.message)); }
  };

  // --- the call ------------------------------------------------------------------------------
  function dial(number) { act("POST", "/api/call/dial", {number}, "Dialling " + number + ": pick up your phone."); }
  $("dial-form").onsubmit = (event) => { event.preventDefault(); if ($("dial-number").value) dial($("dial-number").value); };
  const control = (action, body, done) => act("POST", "/api/call/" + action, body, done);
  $("hangup").onclick = () => control("hangup", {}, "Hung up.");
  $("conference").onclick = () => control("conference", {}, "Calling your supervisor in.");
  $("send-dtmf").onclick = () => control("dtmf", {digits: $("dtmf").value}, "Sent.");
  const transfer = (action) => control(action, {kind: $("transfer-kind").value, target: $("transfer-target").value}, "Transferring.");
  $("blind-transfer").onclick = () => transfer("transfer");
  // Attended: the caller waits while the agent talks to the target; hanging up completes it.
  const atxferSteps = (shown) => { $("atxfer-steps").hidden = !shown; };
  $("attended-transfer").onclick = () => transfer("atxfer").then((ok) => atxferSteps(ok));
  $("atxfer-complete").onclick = () => control("hangup", {}, "Transferred.").then(() => atxferSteps(false));
  $("atxfer-cancel").onclick = () => control("atxfer_cancel", {}, "Back with the caller.").then((ok) => ok && atxferSteps(false));
  // Hold keeps the call bridged: Asterisk mutes the agent and plays music to the caller.
  $("hold").onclick = () => control("hold", {}, "On hold: the caller hears music.");
  $("unhold").onclick = () => control("unhold", {}, "Resumed.");

  // An agent whose phone is the browser (a WebRTC endpoint) gets the softphone in this page.
  if (CONFIG.interface.startsWith("PJSIP/webrtc-") && window.loadSoftphone) {
    // Queue calls are answered at once, as a headset agent expects (the pop shows who it is).
    window.loadSoftphone({autoAnswer: true, onState: (state) => say("Softphone: " + state)})
      .then((phone) => { window.consoleSoftphone = phone; })
      .catch((error) => say("Softphone unavailable: " + error.message, true));
  }

  // --- what the IVR collected on the call (text nodes only: the values come from callers) ----
  function showCollected(callId, collected) {
    const names = Object.keys(collected || {});
    $("collected").dataset.callId = callId;
    $("collected-fields").replaceChildren(...names.flatMap((n) => [el("dt", {}, n), el("dd", {}, collected[n])]));
    $("collected").hidden = !names.length;
  }
  function onCollected(msg) {
    if (call && call.call_id === msg.call_id) showCollected(msg.call_id, msg.collected);
  }
  function hideCollected(callId) {
    if ($("collected").dataset.callId === callId) $("collected").hidden = true;
  }

  const timings = window.consoleTimings = {};  // performance.now() of pops and full cards, by call
  function onPop(msg) {
    timings[msg.call_id] = {pop: performance.now()};
    call = {call_id: msg.call_id, queue: msg.queue, number: msg.caller_number,
            customer_id: msg.customer ? msg.customer.id : null};
    rememberCustomer(msg.call_id, call.customer_id, msg.queue, {
      caller: [msg.caller_name, msg.caller_number].filter(Boolean).join(" "),
      customer_name: msg.customer ? msg.customer.name : null});
    $("call").hidden = false;
    $("call-state").textContent = "Ringing";
    $("call-queue").textContent = msg.queue || "—";
    $("call-number").textContent = [msg.caller_name, msg.caller_number].filter(Boolean).join(" ") || "unknown";
    showCollected(msg.call_id, msg.collected);
    if (msg.customer) {
      showCard(msg.customer);
      openCustomer(msg.customer.id).then(() => { timings[msg.call_id].card = performance.now(); });
    }
    else showNewCustomer(msg.caller_number, msg.caller_name);
    loadScript(msg.queue, call.customer_id);
  }
  async function loadScript(queue, customerId) {
    const box = $("script");
    box.hidden = true;
    if (!queue) return;
    try {
      const data = await api("GET", `/api/script?queue=${encodeURIComponent(queue)}` + (customerId ? `&customer_id=${customerId}` : ""));
      if (data.script) { $("script-text").textContent = data.script; box.hidden = false; }
    } catch (e) { /* no script: nothing to show */ }
  }
  function onCallState(msg, label) {
    if (!call || call.call_id !== msg.call_id) return;
    $("call-state").textContent = label;
  }
  function onHangup(msg) {
    onCallState(msg, "Ended · " + msg.outcome);
    const store = loadStore();
    if (!store[msg.call_id]) rememberCustomer(msg.call_id, call && call.call_id === msg.call_id ? call.customer_id : null, call && call.queue);
    const ended = loadStore();
    ended[msg.call_id].ended = true;
    saveStore(ended);
    if (call && call.call_id === msg.call_id) { $("call").hidden = true; $("script").hidden = true; call = null; }
    showWrapup(msg.call_id);
  }

  // --- after the call ------------------------------------------------------------------------
  function loadStore() { try { return JSON.parse(sessionStorage.getItem(STORE)) || {}; } catch (e) { return {}; } }
  function saveStore(store) { sessionStorage.setItem(STORE, JSON.stringify(store)); }
  function rememberCustomer(callId, customerId, queue, about) {
    const store = loadStore();
    const entry = store[callId] || {started: Date.now(), fields: {}};
    if (customerId) entry.customer_id = customerId;
    if (queue) entry.queue = queue;
    Object.assign(entry, about || {});
    store[callId] = entry;
    saveStore(store);
  }
  const FIELDS = ["disposition", "note", "callback-on", "callback-date", "callback-time", "callback-for",
                  "ticket-on", "ticket-category", "ticket-priority", "ticket-description"];
  function readFields() {
    const out = {};
    for (const id of FIELDS) out[id] = $(id).type === "checkbox" ? $(id).checked : $(id).value;
    return out;
  }
  function writeFields(fields) {
    for (const id of FIELDS) {
      if (!(id in fields)) continue;
      if ($(id).type === "checkbox") $(id).checked = fields[id]; else $(id).value = fields[id];
    }
    $("callback-fields").hidden = !$("callback-on").checked;
    $("ticket-fields").hidden = !$("ticket-on").checked;
  }
  function keepTyping() {
    if (!wrapupCall) return;
    const store = loadStore();
    if (!store[wrapupCall]) return;
    store[wrapupCall].fields = readFields();
    saveStore(store);
    $("callback-fields").hidden = !$("callback-on").checked;
    $("ticket-fields").hidden = !$("ticket-on").checked;
  }
  $("wrapup").addEventListener("input", keepTyping);
  $("wrapup").addEventListener("change", keepTyping);

  // The server's list of calls waiting for this agent's wrap-up: each gets a form, in this tab
  // too (a new tab, another browser, after a crash or a CTI restart); one wrapped up elsewhere
  // (another tab, the API) goes away here.
  // complete: false while a restarted CTI server has not taken over the list (then nothing
  // is dropped); calls saved from this tab are not brought back by an answer sent before.
  function syncWrapups(pending, complete) {
    const store = loadStore(), waiting = new Set(pending.filter((k) => !submitted.has(k)));
    let changed = false;
    for (const key of waiting) {
      const entry = store[key] || (store[key] = {started: Date.now(), fields: {}});
      if (!entry.ended || !entry.pending) { entry.ended = entry.pending = true; changed = true; }
    }
    for (const key of Object.keys(store)) {
      if (complete && store[key].pending && !waiting.has(key)) { delete store[key]; changed = true; }
    }
    if (changed) saveStore(store);
    if (call && waiting.has(call.call_id)) { $("call").hidden = true; $("script").hidden = true; call = null; }
    if (wrapupCall && !store[wrapupCall]) closeWrapup(wrapupCall, "Wrapped up elsewhere.");
    if (!wrapupCall) { const next = nextWrapup(store); if (next) showWrapup(next); }
    else showWaiting(store);
  }
  function nextWrapup(store) {
    return Object.keys(store).filter((k) => store[k].ended).sort((a, b) => store[a].started - store[b].started)[0];
  }
  function showWaiting(store) {
    const others = Object.keys(store).filter((k) => store[k].ended && k !== wrapupCall).length;
    $("wrapup-more").textContent = others ? `${others} more call${others > 1 ? "s" : ""} waiting` : "";
  }
  function closeWrapup(callId, message) {
    $("wrapup").hidden = true;
    hideCollected(callId);
    wrapupCall = null;
    wrapupSeq++;
    if (message) say(message);
  }
  function describeCall(entry) {
    return [entry.customer_name, entry.caller, entry.queue ? "queue " + entry.queue : null].filter(Boolean).join(" · ");
  }
  async function callDetails(callId) {
    try { return await api("GET", `/api/calls/${encodeURIComponent(callId)}`); }
    catch (e) { return null; }  // not visible (yet): the pop's own data still serves
  }
  function fillDispositions(dispositions, chosen) {
    $("disposition").replaceChildren(el("option", {value: ""}, "— choose —"),
      ...dispositions.map((d) => el("option", {value: d.code, "data-callback": d.requires_callback ? "1" : ""}, d.label)));
    if (chosen && dispositions.some((d) => d.code === chosen)) $("disposition").value = chosen;
  }
  // What the server knows of the call (customer, queue, caller, its dispositions), asked again
  // while its CRM row is not written yet.
  async function applyDetails(callId, seq, tries) {
    const details = await callDetails(callId);
    if (seq !== wrapupSeq) return;
    const store = loadStore(), entry = store[callId];
    if (!entry) return;
    if (details && details.wrapup && !details.pending) {  // stored meanwhile, in another tab
      delete store[callId];
      saveStore(store);
      closeWrapup(callId, "This call was wrapped up already.");
      const next = nextWrapup(store);
      if (next) showWrapup(next);
      return;
    }
    if (details) {
      if (details.customer) { entry.customer_id = entry.customer_id || details.customer.id; entry.customer_name = details.customer.name; }
      entry.queue = entry.queue || details.queue;
      entry.caller = [details.caller_name, details.caller_number].filter(Boolean).join(" ") || entry.caller;
      if (details.ended_at && entry.pending && !entry.timed) { entry.started = Date.parse(details.ended_at); entry.timed = true; }
      saveStore(store);
      fillDispositions(details.dispositions, $("disposition").value || entry.fields.disposition);
      if (details.customer && details.customer.timezone) $("callback-zone").textContent = details.customer.timezone + " (customer's time)";
    } else if (tries === 0) {
      try {
        const data = await api("GET", "/api/dispositions" + (entry.queue ? "?queue=" + encodeURIComponent(entry.queue) : ""));
        if (seq === wrapupSeq) fillDispositions(data.dispositions || data, entry.fields.disposition);
      } catch (e) { $("wrapup-error").textContent = "Dispositions: " + e.message; }
    }
    $("wrapup-call").textContent = describeCall(entry);
    if ((!details || !details.recorded) && tries < DETAILS_TRIES) {
      setTimeout(() => { if (seq === wrapupSeq) applyDetails(callId, seq, tries + 1); }, DETAILS_RETRY_MS);
    }
    tick();
  }

  function showWrapup(callId) {
    const entry = loadStore()[callId];
    if (!entry) return;
    const seq = ++wrapupSeq;
    wrapupCall = callId;
    const form = $("wrapup");
    form.dataset.callId = callId;
    form.hidden = false;
    $("wrapup-error").textContent = "";
    $("wrapup-call").textContent = describeCall(entry);
    $("callback-zone").textContent = "customer's local time";
    if (!entry.fields.disposition) {  // the fields start empty for a new call
      writeFields({note: "", disposition: "", "callback-on": false, "callback-date": "", "callback-time": "",
                   "ticket-on": false, "ticket-category": "", "ticket-description": "", "callback-for": "me", "ticket-priority": "normal"});
    }
    writeFields(entry.fields);
    showWaiting(loadStore());
    tick();
    return applyDetails(callId, seq, 0);
  }
  $("wrapup").onsubmit = async (event) => {
    event.preventDefault();
    const callId = wrapupCall, entry = loadStore()[callId] || {fields: {}}, f = readFields();
    if (!f.disposition) { $("wrapup-error").textContent = "Choose a disposition."; return; }
    const body = {disposition: f.disposition};
    if (f.note.trim()) body.note = f.note;
    if (entry.customer_id) body.customer_id = entry.customer_id;
    if (f["callback-on"]) {
      if (!f["callback-date"] || !f["callback-time"]) { $("wrapup-error").textContent = "Give the callback's date and time."; return; }
      body.callback = {due_local: `${f["callback-date"]}T${f["callback-time"]}`, for: f["callback-for"]};
    }
    if (f["ticket-on"]) body.ticket = {category: f["ticket-category"], priority: f["ticket-priority"], description: f["ticket-description"]};
    try {
      await api("POST", `/api/calls/${encodeURIComponent(callId)}/wrapup`, body);
    } catch (e) { $("wrapup-error").textContent = e.message; return; }  // the form keeps everything
    submitted.add(callId);
    const store = loadStore();
    delete store[callId];
    saveStore(store);
    closeWrapup(callId, "Saved.");
    refreshState();
    const next = nextWrapup(store);
    if (next) showWrapup(next);
  };

  // --- preview (filled by the dialer) -------------------------------------------------------
  function onPreview(msg) {
    const box = $("preview");
    $("preview-body").textContent = [msg.name, msg.number, msg.campaign].filter(Boolean).join(" · ");
    box.dataset.number = msg.number || "";
    box.hidden = false;
  }
  $("preview-dial").onclick = () => { const n = $("preview").dataset.number; if (n) dial(n); $("preview").hidden = true; };
  $("preview-skip").onclick = () => { $("preview").hidden = true; };

  // --- websocket -----------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/agent`);
    const link = $("link");
    let opened = false, pinger = null;
    ws.onopen = () => {
      opened = true;
      link.textContent = "connected";
      pinger = setInterval(() => ws.send(JSON.stringify({type: "ping"})), PING_MS);
      refreshState();
    };
    ws.onclose = (event) => {
      clearInterval(pinger);
      if (event.code === SESSION_ENDED || !opened) loginIfLoggedOut();
      link.textContent = "reconnecting…";
      setTimeout(connect, 1000);
    };
    ws.onmessage = (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      if (msg.type === "pop") onPop(msg);
      else if (msg.type === "answered") onCallState(msg, "On call");
      else if (msg.type === "offer_ended") { onCallState(msg, "Missed (" + msg.reason + ")"); if (call && call.call_id === msg.call_id) { $("call").hidden = true; hideCollected(msg.call_id); call = null; } }
      else if (msg.type === "collected") onCollected(msg);
      else if (msg.type === "hangup") onHangup(msg);
      else if (msg.type === "preview") onPreview(msg);
      if (msg.type !== "pong") refreshState();
    };
  }
  async function loginIfLoggedOut() {
    try {
      const response = await fetch(location.pathname, {redirect: "manual"});
      if (response.type === "opaqueredirect" || response.status === 401) location.assign("/login?next=/console");
    } catch (e) { /* unreachable: keep reconnecting */ }
  }

  // a reload in the middle of after-call work brings the form back with what was typed at once
  // (the server's list follows with the first state: refreshState)
  const unfinished = nextWrapup(loadStore());
  if (unfinished) showWrapup(unfinished);
  window.consoleState = () => ({agent, call, wrapupCall});
  connect();
})();

// The agent console: status bar, screen pop card, search, call controls, after-call work.
// Plain JavaScript; every visible string goes through t()/tn() and times through fmt
// (/i18n/i18n.js, loaded first). Which calls wait for a wrap-up is the server's word
// (pending_wrapups in /api/agent/state, kept by the after-call gate across CTI restarts) and
// what the form needs is in /api/calls/{key}, so any tab or browser shows every pending form;
// whatever the agent types in it is kept in sessionStorage until the server stored it, so a
// reload loses nothing. After-call work is timed from the call's end as the server recorded it
// (ended_at), in the header and in the form alike.
"use strict";
(function () {
  const CONFIG = JSON.parse(document.getElementById("config").textContent);
  const STATE_REFRESH_MS = 5000;
  const STORE = "console.wrapups";  // sessionStorage: {call_id: {queue, customer_id, timezone,
                                    //   started: first seen (orders the forms), ended_at: the
                                    //   call's end, server clock (ms), fields, ended,
                                    //   pending: the server listed it as waiting}}
  const DETAILS_RETRY_MS = 700, DETAILS_TRIES = 15;  // the CRM row follows the hangup by ~0.2 s
  const QUEUE_CHANGE_MS = 8000;  // a toggled queue shows as asked until the server's state follows
  const AFTER_CALL = "after-call work";  // the after-call gate's pause reason
  const MY_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const HAS_PHONE = Boolean(CONFIG.interface);
  const $ = (id) => document.getElementById(id);

  let agent = null, stateSkew = 0;      // last /api/agent/state and server-minus-browser clock
  let call = null;                       // {call_id, queue, number, customer_id, answered, since}
  let wrapupCall = null;                 // call_id whose after-call form is shown
  let preview = null;                    // the dialer's lead for this agent: {lead, customer,
                                         //   name, number, until: browser ms or null}
  let wrapupSeq = 0;                     // bumped whenever the form changes call: late answers drop
  const submitted = new Set();           // wrap-ups this tab stored
  const queueChanges = new Map();        // queue -> {joined, until}: asked, not yet in the state

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
  const serverNow = () => Date.now() + stateSkew;
  async function api(method, path, body) {
    const options = {method, headers: {}};
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = CONFIG.csrf;
      options.body = JSON.stringify(body || {});
    }
    let response;
    try { response = await fetch(path, options); }
    catch (e) { throw new Error(t("The server is unreachable.")); }
    if (response.status === 401) { location.assign("/login?next=/console"); throw new Error(t("You are logged out.")); }
    let data = null;
    try { data = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) throw new Error((data && data.error) || t("{path}: HTTP {status}", {path, status: response.status}));
    return data;
  }
  async function act(method, path, body, done) {
    try { const r = await api(method, path, body); say(done || t("Done.")); refreshState(); return r; }
    catch (e) { say(e.message, true); return null; }
  }

  // --- times in words: the agent's own, and the customer's where it differs ------------------
  const relativeDay = new Intl.RelativeTimeFormat(fmt.locale, {numeric: "auto"});
  const weekday = new Intl.DateTimeFormat(fmt.locale, {weekday: "short", day: "numeric", month: "short"});
  const dayKey = (date, timeZone) => new Intl.DateTimeFormat("en-CA", {timeZone}).format(date);
  function dayWords(date) {
    const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const days = Math.round((midnight(date) - midnight(new Date())) / 86400000);
    return Math.abs(days) <= 1 ? relativeDay.format(days, "day") : weekday.format(date);
  }
  /** "tomorrow 10:00 (customer's time 11:00)": DATE for the agent, and in the customer's ZONE. */
  function whenWords(date, zone) {
    const mine = t("{day} {time}", {day: dayWords(date), time: fmt.time(date)});
    if (!zone) return mine;
    if (fmt.time(date, zone) === fmt.time(date) && dayKey(date, zone) === dayKey(date)) {
      return t("{when} (the customer's time too)", {when: mine});
    }
    const theirs = dayKey(date, zone) === dayKey(date) ? fmt.time(date, zone)
      : t("{day} {time}", {day: new Intl.DateTimeFormat(fmt.locale, {weekday: "short", timeZone: zone}).format(date),
                           time: fmt.time(date, zone)});
    return t("{when} (customer's time {time})", {when: mine, time: theirs});
  }
  /** The zone's wall clock minus UTC at the instant MS, in ms. */
  function zoneOffset(ms, timeZone) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {timeZone, hourCycle: "h23",
      year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric"})
      .formatToParts(new Date(ms)).map((p) => [p.type, Number(p.value)]));
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(ms / 1000) * 1000;
  }
  /** The instant of wall-clock DAY ("YYYY-MM-DD") TIME ("HH:MM") in ZONE. */
  function zonedInstant(day, time, zone) {
    const [y, mo, d] = day.split("-").map(Number), [h, mi] = time.split(":").map(Number);
    const wall = Date.UTC(y, mo - 1, d, h, mi);
    const guess = wall - zoneOffset(wall, zone);
    return new Date(wall - zoneOffset(guess, zone));  // the offset at the instant itself (DST)
  }

  // --- the agent's state in words ------------------------------------------------------------
  const REASONS = {break: t("Break"), lunch: t("Lunch"), training: t("Training"), meeting: t("Meeting"),
                   technical: t("Technical problem"), [AFTER_CALL]: t("After-call work")};
  const reasonWords = (reason) => REASONS[reason] || reason;
  const inAfterCallWork = (s) => s.state === "wrapup" || (s.state === "paused" && s.reason === AFTER_CALL);
  function stateWords(s) {
    if (inAfterCallWork(s)) return t("After-call work");
    switch (s.state) {
      case "available": return t("Available");
      case "ringing": return t("Ringing");
      case "on_call": return t("On a call");
      case "on_hold": return t("On hold");
      case "paused": return s.reason ? t("Paused — {reason}", {reason: reasonWords(s.reason)}) : t("Paused");
      case "unavailable": return t("Phone unavailable");
      default: return t("Not in any queue");  // logged_out, or never seen in a queue
    }
  }
  function stateLook(s) {
    if (inAfterCallWork(s)) return "wrapup";
    return ["available", "ringing", "on_call", "on_hold", "paused", "unavailable"].includes(s.state) ? s.state : "logged_out";
  }
  function showState(words, look) {
    $("agent-state").textContent = words;
    $("agent-state").className = "state s-" + look;
  }

  for (const reason of CONFIG.pauseReasons) $("pause-reason").append(el("option", {value: reason}, reasonWords(reason)));

  async function refreshState() {
    if (!HAS_PHONE) return;  // the page says why (no-phone card): nothing to ask the server
    let state;
    try { state = await api("GET", "/api/agent/state"); }
    catch (e) { showState(t("State unknown"), "none"); say(e.message, true); return; }
    agent = state;
    stateSkew = state.now * 1000 - Date.now();
    showState(stateWords(state), stateLook(state));
    $("agent-state").dataset.state = state.state;
    showQueues(state);
    showControls(state);
    syncWrapups(state.pending_wrapups || [], state.pending_complete !== false);
    tick();
  }
  function showControls(state) {
    const paused = state.state === "paused", inQueues = state.queues.length > 0;
    $("pause-choice").hidden = $("pause").hidden = paused || !inQueues;
    $("unpause").hidden = !paused;
    $("queue-logout").hidden = !inQueues;
    const held = state.state === "on_hold";
    $("hold").hidden = held;
    $("unhold").hidden = !held;
    if (call && call.answered) $("call-state").textContent = held ? t("On hold") : t("On a call");
  }
  /** Seconds of after-call work for CALL_ID: from the call's end. */
  function afterCallSeconds(callId) {
    const entry = loadStore()[callId];
    return entry && entry.ended_at ? (serverNow() - entry.ended_at) / 1000 : null;
  }
  function tick() {
    const afterCall = agent && inAfterCallWork(agent) && wrapupCall ? afterCallSeconds(wrapupCall) : null;
    const since = agent && agent.since ? serverNow() / 1000 - agent.since : null;
    const shown = afterCall !== null ? afterCall : since;
    $("time-in-state").textContent = shown !== null ? fmt.clock(shown) : "";
    if (wrapupCall) $("wrapup-timer").textContent = fmt.clock(afterCallSeconds(wrapupCall) || 0);
    if (call) $("call-timer").textContent = fmt.clock((serverNow() - call.since) / 1000);
  }
  setInterval(tick, 1000);
  setInterval(refreshState, STATE_REFRESH_MS);

  // --- queues: one toggle per queue, pressed = logged in -------------------------------------
  function joinedAsShown(queue, joined) {
    const asked = queueChanges.get(queue);
    if (!asked || asked.joined === joined || Date.now() > asked.until) { queueChanges.delete(queue); return joined; }
    return asked.joined;
  }
  function showQueues(state) {
    const box = $("queue-toggles"), mine = new Set(state.queues);
    if ([...box.children].map((b) => b.dataset.queue).join() !== state.available.join()) {
      box.replaceChildren(...state.available.map((q) => el("button", {type: "button", "data-queue": q,
        "aria-pressed": "false", onclick: () => toggleQueue(q)}, q)));
    }
    for (const button of box.children) {
      const q = button.dataset.queue, joined = joinedAsShown(q, mine.has(q));
      button.setAttribute("aria-pressed", String(joined));
      button.title = joined ? t("Logged in to {queue}: click to log out", {queue: q})
        : t("Click to log in to {queue}", {queue: q});
    }
    $("my-queues").textContent = state.queues.length
      ? tn("In queue {queues}", "In queues {queues}", state.queues.length, {queues: state.queues.join(", ")}) : "";
  }
  async function toggleQueue(queue) {
    const button = $("queue-toggles").querySelector(`[data-queue="${CSS.escape(queue)}"]`);
    const joined = button.getAttribute("aria-pressed") !== "true";
    button.disabled = true;
    const done = await act("POST", joined ? "/api/agent/login" : "/api/agent/logout", {queues: [queue]},
      joined ? t("Logged in to {queue}.", {queue}) : t("Logged out of {queue}.", {queue}));
    button.disabled = false;
    if (done) {
      queueChanges.set(queue, {joined, until: Date.now() + QUEUE_CHANGE_MS});
      button.setAttribute("aria-pressed", String(joined));
      setTimeout(refreshState, 1000);  // the member change reaches the state machine by event
    }
  }
  $("queue-logout").onclick = () => act("POST", "/api/agent/logout", {}, t("Logged out of every queue."));
  $("pause").onclick = () => act("POST", "/api/agent/pause", {reason: $("pause-reason").value}, t("Paused."));
  $("unpause").onclick = () => act("POST", "/api/agent/unpause", {}, t("Available."));

  // --- customer card, search, new customer ---------------------------------------------------
  function dialButton(number) {
    return HAS_PHONE ? el("button", {type: "button", class: "small", onclick: () => dial(number)}, t("Dial")) : null;
  }
  function list(title, items, render) {
    return el("div", {class: "block"}, el("h4", {}, title),
      items && items.length ? el("ul", {}, ...items.map((i) => el("li", {}, ...render(i)))) : el("p", {class: "muted"}, t("none")));
  }
  const PRIORITIES = {low: t("low"), normal: t("normal"), high: t("high"), urgent: t("urgent")};
  const OUTCOMES = {answered: t("answered"), abandoned: t("abandoned"), unanswered: t("unanswered"), timeout: t("timed out")};
  const dotted = (...parts) => parts.filter(Boolean).join(" · ");
  function showCard(card) {
    const box = $("customer"), zone = card.timezone;
    box.replaceChildren(
      el("h2", {class: "name"}, card.name, card.vip ? el("span", {class: "vip"}, " ", t("VIP")) : null),
      el("dl", {},
        el("dt", {}, t("Company")), el("dd", {class: "company"}, card.company || "—"),
        el("dt", {}, t("E-mail")), el("dd", {}, card.email || "—"),
        el("dt", {}, t("Time zone")), el("dd", {}, zone
          ? t("{zone} (now {time} there)", {zone, time: fmt.time(new Date(), zone)}) : "—"),
        el("dt", {}, t("Tags")), el("dd", {class: "tags"}, (card.tags || []).join(", ") || "—"),
        el("dt", {}, t("Numbers")), el("dd", {class: "numbers"},
          ...(card.numbers || []).map((n) => el("div", {}, n.number, n.label ? ` (${n.label})` : "", " ", dialButton(n.number))))),
      list(t("Past calls"), card.timeline, (c) => [
        dotted(c.when && whenWords(new Date(c.when)), c.queue, OUTCOMES[c.outcome] || c.outcome, c.disposition, c.agent),
        c.note ? el("div", {class: "note"}, c.note) : null,
        c.collected ? el("div", {class: "collected"}, Object.entries(c.collected).map(([k, v]) => k + ": " + v).join(" · ")) : null]),
      list(t("Open tickets"), card.tickets, (k) => [dotted(k.created_at && whenWords(new Date(k.created_at), zone),
        k.category, PRIORITIES[k.priority] || k.priority, k.description || k.status)]),
      list(t("Callbacks"), card.callbacks, (c) => [dotted(whenWords(new Date(c.due_at), c.timezone),
        c.for === "anyone" ? t("for anyone") : t("for an agent"), c.note)]),
    );
    box.dataset.customerId = card.id;
    box.hidden = false;
    $("new-customer").hidden = true;
    $("idle").hidden = true;
  }
  async function openCustomer(id) {
    try { showCard(await api("GET", `/api/customers/${id}`)); }
    catch (e) { say(t("Customer card: {error}", {error: e.message}), true); }
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
    const made = await act("POST", "/api/customers", body, t("Customer created."));
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
        : [el("li", {class: "muted"}, t("Nobody found."))]));
    } catch (e) { out.replaceChildren(el("li", {class: "error"}, e.message)); }
  };

  // --- the call ------------------------------------------------------------------------------
  function dial(number) { act("POST", "/api/call/dial", {number}, t("Dialling {number}: pick up your phone.", {number})); }
  $("dial-form").onsubmit = (event) => { event.preventDefault(); if ($("dial-number").value) dial($("dial-number").value); };
  const control = (action, body, done) => act("POST", "/api/call/" + action, body, done);
  const hangUp = () => control("hangup", {}, t("Hung up."));
  const toggleHold = () => agent && agent.state === "on_hold"
    ? control("unhold", {}, t("Back with the caller."))
    : control("hold", {}, t("On hold: the caller hears music."));
  $("hangup").onclick = hangUp;
  $("hold").onclick = toggleHold;
  $("unhold").onclick = toggleHold;
  $("conference").onclick = () => control("conference", {}, t("Calling your supervisor in."));
  $("send-dtmf").onclick = () => control("dtmf", {digits: $("dtmf").value}, t("Sent."));
  const transfer = (action) => control(action, {kind: $("transfer-kind").value, target: $("transfer-target").value}, t("Transferring."));
  $("blind-transfer").onclick = () => transfer("transfer");
  // Attended: the caller waits while the agent talks to the target; hanging up completes it.
  const atxferSteps = (shown) => { $("atxfer-steps").hidden = !shown; };
  $("attended-transfer").onclick = () => transfer("atxfer").then((ok) => atxferSteps(ok));
  $("atxfer-complete").onclick = () => control("hangup", {}, t("Transferred.")).then(() => atxferSteps(false));
  $("atxfer-cancel").onclick = () => control("atxfer_cancel", {}, t("Back with the caller.")).then((ok) => ok && atxferSteps(false));

  // An agent whose phone is the browser (a WebRTC endpoint) gets the softphone in this page.
  const SOFTPHONE_STATES = {connecting: t("connecting"), registered: t("ready"), unregistered: t("not registered"),
    failed: t("registration failed"), ringing: t("ringing"), answering: t("answering"), incall: t("in a call"),
    held: t("on hold"), ended: t("call ended")};
  if (CONFIG.interface.startsWith("PJSIP/webrtc-") && window.loadSoftphone) {
    // Queue calls are answered at once, as a headset agent expects (the pop shows who it is).
    window.loadSoftphone({autoAnswer: true, onState: (state) => {
      $("answer").hidden = state !== "ringing";
      say(t("Softphone: {state}", {state: SOFTPHONE_STATES[state] || state}));
    }})
      .then((phone) => { window.consoleSoftphone = phone; })
      .catch((error) => say(t("Softphone unavailable: {error}", {error: error.message}), true));
  }
  const answer = () => window.consoleSoftphone && window.consoleSoftphone.answer();
  $("answer").onclick = answer;

  // Keyboard: Alt+letter for the call (typing never makes those), Ctrl+Enter in the form.
  const SHORTCUTS = {KeyA: answer, KeyH: () => $("hangup").click(), KeyO: toggleHold,
                     KeyT: () => $("transfer-target").focus()};
  function altKeys(shortcuts, box) {  // Alt+letter runs while the box is shown
    document.addEventListener("keydown", (event) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const run = shortcuts[event.code];
      if (!run || $(box).hidden) return;
      event.preventDefault();
      run();
    });
  }
  altKeys(SHORTCUTS, "call");
  $("wrapup").addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    $("wrapup").requestSubmit($("wrapup-submit"));
  });

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
            customer_id: msg.customer ? msg.customer.id : null, answered: false, since: serverNow()};
    rememberCustomer(msg.call_id, call.customer_id, msg.queue, {
      caller: [msg.caller_name, msg.caller_number].filter(Boolean).join(" "),
      customer_name: msg.customer ? msg.customer.name : null,
      timezone: msg.customer ? msg.customer.timezone : null});
    $("call").hidden = false;
    $("call-state").textContent = t("Ringing");
    $("call-state").className = "state s-ringing";
    $("call-queue").textContent = msg.queue || "—";
    $("call-number").textContent = [msg.caller_name, msg.caller_number].filter(Boolean).join(" ") || t("unknown caller");
    tick();
    showCollected(msg.call_id, msg.collected);
    if (msg.customer) {
      showCard(msg.customer);
      openCustomer(msg.customer.id).then(() => { timings[msg.call_id].card = performance.now(); });
    }
    else showNewCustomer(msg.caller_number, msg.caller_name);
    if (msg.lead) showLead(msg.lead);  // a dialer's call: its campaign's script
    else loadScript(msg.queue, call.customer_id);
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
  function onAnswered(msg) {
    if (!call || call.call_id !== msg.call_id) return;
    Object.assign(call, {answered: true, since: serverNow()});
    $("call-state").textContent = t("On a call");
    $("call-state").className = "state s-on_call";
    tick();
  }
  function endCall() {
    $("call").hidden = true;
    $("script").hidden = true;
    $("lead").hidden = true;
    atxferSteps(false);
    call = null;
  }
  const OFFER_ENDS = {taken: t("Another agent took the call."), abandoned: t("The caller hung up while it rang."),
                      left: t("The caller left the queue."), noanswer: t("Not answered in time: the queue tries someone else.")};
  function onOfferEnded(msg) {
    if (!call || call.call_id !== msg.call_id) return;
    hideCollected(msg.call_id);
    endCall();
    say(OFFER_ENDS[msg.reason] || t("The call stopped ringing."));
  }
  function onHangup(msg) {
    const mine = call && call.call_id === msg.call_id;
    if (!loadStore()[msg.call_id]) rememberCustomer(msg.call_id, mine ? call.customer_id : null, mine ? call.queue : null);
    const store = loadStore();
    store[msg.call_id].ended = true;
    store[msg.call_id].ended_at = store[msg.call_id].ended_at || serverNow();  // until the CRM's ended_at
    saveStore(store);
    if (mine) endCall();
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
    showFieldsets();
  }
  function showFieldsets() {
    $("callback-fields").hidden = !$("callback-on").checked;
    $("ticket-fields").hidden = !$("ticket-on").checked;
    showCallbackWhen();
  }
  /** The zone the callback's date and time are typed in: the customer's, else the agent's own. */
  function callbackZone() {
    const entry = wrapupCall && loadStore()[wrapupCall];
    return {zone: (entry && entry.timezone) || MY_ZONE, customers: Boolean(entry && entry.timezone)};
  }
  function showCallbackWhen() {
    const {zone, customers} = callbackZone(), day = $("callback-date").value, time = $("callback-time").value;
    $("callback-zone").textContent = customers ? t("Date and time in the customer's time zone ({zone})", {zone})
      : t("Date and time in your time zone ({zone}): the customer's is not known", {zone});
    $("callback-when").textContent = day && time
      ? t("Callback: {when}", {when: whenWords(zonedInstant(day, time, zone), customers ? zone : null)}) : "";
  }
  function keepTyping() {
    if (!wrapupCall) return;
    const store = loadStore();
    if (!store[wrapupCall]) return;
    store[wrapupCall].fields = readFields();
    saveStore(store);
    showFieldsets();
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
    if (call && waiting.has(call.call_id)) endCall();
    if (wrapupCall && !store[wrapupCall]) closeWrapup(wrapupCall, t("Wrapped up elsewhere."));
    if (!wrapupCall) { const next = nextWrapup(store); if (next) showWrapup(next); }
    else showWaiting(store);
  }
  function nextWrapup(store) {
    return Object.keys(store).filter((k) => store[k].ended).sort((a, b) => store[a].started - store[b].started)[0];
  }
  function showWaiting(store) {
    const others = Object.keys(store).filter((k) => store[k].ended && k !== wrapupCall).length;
    $("wrapup-more").textContent = others ? tn("{n} more call waiting", "{n} more calls waiting", others) : "";
  }
  function closeWrapup(callId, message) {
    $("wrapup").hidden = true;
    if (!call && !preview) { $("lead").hidden = true; $("script").hidden = true; }  // a lead's call
    hideCollected(callId);
    wrapupCall = null;
    wrapupSeq++;
    if (message) say(message);
    tick();
  }
  function describeCall(entry) {  // the caller ID name left out when it is the customer's
    const caller = entry.customer_name && entry.caller ? entry.caller.replace(entry.customer_name, "").trim() : entry.caller;
    return dotted(entry.customer_name, caller, entry.queue ? t("queue {queue}", {queue: entry.queue}) : null);
  }
  async function callDetails(callId) {
    try { return await api("GET", `/api/calls/${encodeURIComponent(callId)}`); }
    catch (e) { return null; }  // not visible (yet): the pop's own data still serves
  }
  function fillDispositions(dispositions, chosen) {
    $("disposition").replaceChildren(el("option", {value: ""}, t("— choose —")),
      ...dispositions.map((d) => el("option", {value: d.code, "data-callback": d.requires_callback ? "1" : ""}, d.label)));
    if (chosen && dispositions.some((d) => d.code === chosen)) $("disposition").value = chosen;
  }
  function closeStored(callId, store) {  // stored meanwhile, in another tab
    delete store[callId];
    saveStore(store);
    closeWrapup(callId, t("This call was wrapped up already."));
    const next = nextWrapup(store);
    if (next) showWrapup(next);
  }
  // What the server knows of the call (customer, queue, caller, its end, its dispositions),
  // asked again while its CRM row is not written yet.
  async function applyDetails(callId, seq, tries) {
    const details = await callDetails(callId);
    if (seq !== wrapupSeq) return;
    const store = loadStore(), entry = store[callId];
    if (!entry) return;
    if (details && details.wrapup && !details.pending) return closeStored(callId, store);
    if (details) {
      if (details.customer) {
        entry.customer_id = entry.customer_id || details.customer.id;
        entry.customer_name = details.customer.name;
        entry.timezone = details.customer.timezone;
      }
      entry.queue = entry.queue || details.queue;
      entry.caller = [details.caller_name, details.caller_number].filter(Boolean).join(" ") || entry.caller;
      if (details.ended_at) entry.ended_at = Date.parse(details.ended_at);
      saveStore(store);
      fillDispositions(details.dispositions, $("disposition").value || entry.fields.disposition);
    } else if (tries === 0) {
      try {
        const data = await api("GET", "/api/dispositions" + (entry.queue ? "?queue=" + encodeURIComponent(entry.queue) : ""));
        if (seq === wrapupSeq) fillDispositions(data.dispositions || data, entry.fields.disposition);
      } catch (e) { $("wrapup-error").textContent = t("Dispositions: {error}", {error: e.message}); }
    }
    $("wrapup-call").textContent = describeCall(entry);
    showCallbackWhen();
    if ((!details || !details.recorded) && tries < DETAILS_TRIES) {
      setTimeout(() => { if (seq === wrapupSeq) applyDetails(callId, seq, tries + 1); }, DETAILS_RETRY_MS);
    }
    tick();
  }

  function showWrapup(callId) {
    const store = loadStore(), entry = store[callId];
    if (!entry) return;
    if (!entry.ended_at) { entry.ended_at = serverNow(); saveStore(store); }  // until the CRM's
    const seq = ++wrapupSeq;
    wrapupCall = callId;
    const form = $("wrapup");
    form.dataset.callId = callId;
    form.hidden = false;
    $("wrapup-error").textContent = "";
    $("wrapup-call").textContent = describeCall(entry);
    if (!entry.fields.disposition) {  // the fields start empty for a new call
      writeFields({note: "", disposition: "", "callback-on": false, "callback-date": "", "callback-time": "",
                   "ticket-on": false, "ticket-category": "", "ticket-description": "", "callback-for": "me", "ticket-priority": "normal"});
    }
    writeFields(entry.fields);
    showWaiting(store);
    tick();
    return applyDetails(callId, seq, 0);
  }
  function wrapupBody(entry, f) {
    const body = {disposition: f.disposition};
    if (f.note.trim()) body.note = f.note;
    if (entry.customer_id) body.customer_id = entry.customer_id;
    if (f["callback-on"]) {
      const {zone, customers} = callbackZone();
      body.callback = {due_local: `${f["callback-date"]}T${f["callback-time"]}`, for: f["callback-for"]};
      if (!customers) body.callback.timezone = zone;  // typed in the agent's own time
    }
    if (f["ticket-on"]) body.ticket = {category: f["ticket-category"], priority: f["ticket-priority"], description: f["ticket-description"]};
    return body;
  }
  $("wrapup").onsubmit = async (event) => {
    event.preventDefault();
    const callId = wrapupCall, entry = loadStore()[callId] || {fields: {}}, f = readFields();
    if (!f.disposition) { $("wrapup-error").textContent = t("Choose a disposition."); return; }
    if (f["callback-on"] && (!f["callback-date"] || !f["callback-time"])) {
      $("wrapup-error").textContent = t("Give the callback's date and time."); return;
    }
    try {
      await api("POST", `/api/calls/${encodeURIComponent(callId)}/wrapup`, wrapupBody(entry, f));
    } catch (e) { $("wrapup-error").textContent = e.message; return; }  // the form keeps everything
    submitted.add(callId);
    const store = loadStore();
    delete store[callId];
    saveStore(store);
    closeWrapup(callId, t("Saved."));
    refreshState();
    const next = nextWrapup(store);
    if (next) showWrapup(next);
  };

  // --- a dialer's lead: on its call's pop, or reserved for this agent to dial or skip ---------
  // (text nodes only: the fields come from uploaded lists)
  function showLead(lead) {
    const f = lead.fields || {};
    const rows = [[t("Number"), f.phone], [t("Local time"), f.local_time], ...Object.entries(f.custom || {})];
    $("lead-name").textContent = dotted([f.first_name, f.last_name].filter(Boolean).join(" "), lead.campaign);
    $("lead-fields").replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
    $("lead").hidden = false;
    $("script").hidden = !lead.script;
    $("script-text").textContent = lead.script || "";
  }
  function onPreview(msg) {
    preview = {lead: msg.lead, customer: msg.customer, name: msg.name, number: msg.number,
               until: msg.seconds ? Date.now() + msg.seconds * 1000 : null};
    $("preview-body").textContent = dotted(msg.name, msg.number, msg.lead && msg.lead.campaign);
    $("preview").hidden = !HAS_PHONE;
    if (msg.lead) showLead(msg.lead);
    if (msg.customer) showCard(msg.customer);
    previewTick();
  }
  function previewTick() {
    const left = preview && preview.until ? Math.max(0, Math.round((preview.until - Date.now()) / 1000)) : null;
    $("preview-timer").textContent = left === null ? "" : fmt.clock(left);
  }
  setInterval(previewTick, 1000);
  const PREVIEW_ENDS = {skipped: t("Lead skipped."), expired: t("The lead went back: not dialed in time."),
                        withdrawn: t("The campaign stopped."), missed: t("Your phone did not answer: the lead went back."),
                        failed: t("The lead could not be dialed.")};
  function onPreviewEnded(msg) {
    const shown = preview;
    preview = null;
    $("preview").hidden = true;
    if (msg.call_id && shown) {  // the call's wrap-up form follows its hangup
      rememberCustomer(msg.call_id, shown.customer ? shown.customer.id : null, null, {
        caller: dotted(shown.name, shown.number), customer_name: shown.customer ? shown.customer.name : null,
        timezone: shown.customer ? shown.customer.timezone : null});
      say(t("Dialling {number}: pick up your phone.", {number: shown.number}));
      return;
    }
    if (!call) { $("lead").hidden = true; $("script").hidden = true; }
    if (PREVIEW_ENDS[msg.reason]) say(PREVIEW_ENDS[msg.reason]);
  }
  const previewDial = () => { $("preview").hidden = true; act("POST", "/api/preview/dial", {}); };
  const previewSkip = () => { $("preview").hidden = true; act("POST", "/api/preview/skip", {}); };
  $("preview-dial").onclick = previewDial;
  $("preview-skip").onclick = previewSkip;
  altKeys({KeyL: previewDial, KeyS: previewSkip}, "preview");

  // --- websocket -----------------------------------------------------------------------------
  // the recording card (recordings.js) hears its state as a DOM event
  const onRecording = (msg) => document.dispatchEvent(new CustomEvent("cc-recording", {detail: msg}));
  const HANDLERS = {pop: onPop, answered: onAnswered, offer_ended: onOfferEnded, collected: onCollected,
                    hangup: onHangup, preview: onPreview, preview_ended: onPreviewEnded,
                    recording: onRecording};
  function received(msg) {
    const handle = HANDLERS[msg.type];
    if (handle) handle(msg);
    if (msg.type !== "pong") refreshState();
  }
  const connect = () => liveSocket("/ws/agent", $("link"), received,
                                   {label: t("connected"), onOpen: refreshState});

  // a reload in the middle of after-call work brings the form back with what was typed at once
  // (the server's list follows with the first state: refreshState)
  const unfinished = nextWrapup(loadStore());
  if (unfinished) showWrapup(unfinished);
  window.consoleState = () => ({agent, call, wrapupCall});
  // once every script of the page runs: what the socket sends first (a recording's state
  // after a reload) finds its listeners (recordings.js) there
  document.addEventListener("DOMContentLoaded", connect);
})();

// The IVR page: the chosen flow drawn as an SVG diagram from the server's layout
// (GET /admin/ivr/flows/{name}), each node with its counts for the period
// (GET /admin/ivr/flows/{name}/counts); admins also reload the flows and upload prompts.
"use strict";
(function () {
  const CONFIG = JSON.parse(document.getElementById("ivr-config").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const DAY_MS = 86400000;
  const $ = (selector) => document.querySelector(selector);
  const KINDS = {
    play: t("play a prompt"), say: t("say a value"), menu: t("menu"), collect: t("collect digits"),
    speech_menu: t("speech menu"), language: t("language choice"), hours: t("business hours"),
    lookup: t("CRM lookup"), condition: t("condition"), set: t("set call data"), queue: t("to a queue"),
    callback: t("call me back"), opt_out: t("marketing opt-out"), survey: t("survey"),
    voicemail: t("voicemail"), hangup: t("hang up"), goto: t("go to flow"),
  };
  const EDGES = {found: t("found"), not_found: t("not found"), open: t("open"), closed: t("closed"),
                 holiday: t("holiday"), then: t("then"), else: t("else"), on_failure: t("on failure"),
                 on_error: t("on error")};
  const COUNTS = [
    ["reached", (n) => t("reached {n}", {n: fmt.number(n)})],
    ["completed", (n) => t("completed {n}", {n: fmt.number(n)})],
    ["timed_out", (n) => t("timed out {n}", {n: fmt.number(n)})],
    ["invalid", (n) => t("invalid {n}", {n: fmt.number(n)})],
    ["hung_up", (n) => t("hung up {n}", {n: fmt.number(n)})],
  ];
  let period = "today";
  let shown = null;  // the flow drawn: {name, diagram}

  function say(text) { $("#message").textContent = text || ""; }

  async function call(method, path, body) {
    const headers = {"X-CSRF-Token": CONFIG.csrf};
    const response = await fetch(path, {method, headers, credentials: "same-origin", body});
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || t("The server answered {status}", {status: response.status}));
    return data;
  }

  function element(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, className, content) {
    const node = element("text", {x, y, class: className}, parent);
    node.textContent = content;
    return node;
  }

  function localMidnight(date) { return new Date(date.getFullYear(), date.getMonth(), date.getDate()); }

  function chosenPeriod() {
    const now = new Date();
    if (period === "today") return [localMidnight(now), new Date(now.getTime() + 60000)];
    if (period === "week") return [new Date(localMidnight(now).getTime() - 6 * DAY_MS), new Date(now.getTime() + 60000)];
    const from = $("#from").valueAsDate, to = $("#to").valueAsDate;  // UTC midnights of the days
    if (!from || !to) return null;
    const start = new Date(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
    const end = new Date(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate() + 1);
    return [start, end];
  }

  // An edge's path and where its label goes: right to a later column, straight down or up in
  // the same column, round below back to an earlier one.
  function edgePath(from, to, size) {
    const cx = (node) => node.x + size.w / 2;
    if (to.x > from.x) {
      const sx = from.x + size.w, sy = from.y + size.h / 2, tx = to.x, ty = to.y + size.h / 2;
      return [`M${sx},${sy} C${sx + 40},${sy} ${tx - 40},${ty} ${tx},${ty}`, (sx + tx) / 2, (sy + ty) / 2];
    }
    if (to.x === from.x && to.y !== from.y) {
      const down = to.y > from.y;
      const sy = down ? from.y + size.h : from.y, ty = down ? to.y : to.y + size.h;
      return [`M${cx(from)},${sy} L${cx(to)},${ty}`, cx(from) + 6, (sy + ty) / 2];
    }
    const low = Math.max(from.y, to.y) + size.h + 14;
    return [`M${cx(from)},${from.y + size.h} C${cx(from)},${low} ${cx(to)},${low} ${cx(to)},${to.y + size.h}`,
            (cx(from) + cx(to)) / 2, low - 4];
  }

  function draw(diagram, counts) {
    const svg = $("#diagram");
    svg.replaceChildren();
    const size = {w: diagram.node_width, h: diagram.node_height};
    const margin = 20;
    svg.setAttribute("viewBox", `${-margin} ${-margin} ${diagram.width + 2 * margin} ${diagram.height + 2 * margin + 30}`);
    svg.setAttribute("width", diagram.width + 2 * margin);
    svg.setAttribute("height", diagram.height + 2 * margin + 30);
    const marker = element("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7,
                                      markerHeight: 7, orient: "auto-start-reverse"}, element("defs", {}, svg));
    element("path", {d: "M0,0 L10,5 L0,10 z"}, marker);
    const at = Object.fromEntries(diagram.nodes.map((node) => [node.name, node]));
    const labelled = {};  // edges between the same two nodes so far: their labels stack
    for (const edge of diagram.edges) {
      const group = element("g", {class: "edge", "data-source": edge.source, "data-target": edge.target}, svg);
      const [d, lx, ly] = edgePath(at[edge.source], at[edge.target], size);
      element("path", {d, "marker-end": "url(#arrow)"}, group);
      const pair = `${edge.source}\n${edge.target}`;
      const stacked = labelled[pair] = (labelled[pair] ?? -1) + 1;
      if (edge.label) text(group, lx, ly + 14 * stacked, "label", EDGES[edge.label] || edge.label);
    }
    for (const node of diagram.nodes) drawNode(svg, node, counts[node.name] || {}, size, node === diagram.nodes[0]);
  }

  function drawNode(svg, node, counted, size, isStart) {
    const reached = counted.reached || 0;
    const classes = ["node", isStart ? "start" : "", node.reachable ? "" : "unreachable", reached ? "" : "never-reached"];
    const group = element("g", {class: classes.filter(Boolean).join(" "), "data-node": node.name,
                                transform: `translate(${node.x},${node.y})`}, svg);
    element("rect", {width: size.w, height: size.h}, group);
    text(group, 10, 20, "name", node.name);
    const kind = KINDS[node.kind] || node.kind;
    text(group, 10, 38, "kind", node.detail ? `${kind} · ${node.detail}` : kind);
    const lines = [COUNTS.slice(0, 2), COUNTS.slice(2)];
    lines.forEach((line, row) => {
      const counts = text(group, 10, 58 + row * 16, "counts", "");
      line.forEach(([key, words], i) => {
        const span = element("tspan", {"data-count": key, "data-value": counted[key] || 0,
                                       class: key !== "reached" && key !== "completed" && counted[key] ? "bad" : ""}, counts);
        span.textContent = (i ? " · " : "") + words(counted[key] || 0);
      });
    });
    if (!node.reachable) text(group, 10, size.h - 4, "kind", t("no path from the start"));
    else if (node.sensitive) text(group, 10, size.h - 4, "kind", t("recording paused here"));
    const title = element("title", {}, group);
    title.textContent = COUNTS.map(([key, words]) => words(counted[key] || 0)).join(", ");
  }

  async function show() {
    const name = $("#flow").value;
    const span = chosenPeriod();
    if (!name || !span) return;
    try {
      if (!shown || shown.name !== name) shown = await call("GET", `/admin/ivr/flows/${encodeURIComponent(name)}`);
      const query = new URLSearchParams({since: span[0].toISOString(), until: span[1].toISOString()});
      const counted = await call("GET", `/admin/ivr/flows/${encodeURIComponent(name)}/counts?${query}`);
      $("#yaml").textContent = shown.yaml;
      $("#period-shown").textContent = t("{since} to {until}", {since: fmt.dateTime(span[0]), until: fmt.dateTime(span[1])});
      draw(shown.diagram, counted.counts);
      $("#diagram").dataset.flow = name;
      $("#diagram").dataset.drawn = period;
      say("");
    } catch (error) { say(error.message); }
  }

  function choosePeriod(chosen) {
    period = chosen;
    for (const button of document.querySelectorAll("[data-period]")) {
      button.setAttribute("aria-pressed", String(button.dataset.period === chosen));
    }
    $("#custom").hidden = chosen !== "custom";
    if (chosen !== "custom") show();
  }

  async function reload() {
    try {
      const listed = await call("POST", "/admin/ivr/reload");
      const chosen = $("#flow").value;
      $("#flow").replaceChildren(...listed.flows.map((flow) => new Option(flow.name, flow.name, false, flow.name === chosen)));
      $("#no-flows").hidden = listed.flows.length > 0;
      shown = null;
      await show();
      say(tn("{n} flow loaded", "{n} flows loaded", listed.flows.length));
    } catch (error) { say(error.message); }
  }

  async function upload(event) {
    event.preventDefault();
    try {
      const saved = await call("POST", "/admin/ivr/prompts", new FormData(event.target));
      say(t("Prompt {name} stored", {name: saved.name}));
      event.target.reset();
    } catch (error) { say(error.message); }
  }

  for (const button of document.querySelectorAll("[data-period]")) {
    button.addEventListener("click", () => choosePeriod(button.dataset.period));
  }
  $("#custom").addEventListener("submit", (event) => { event.preventDefault(); show(); });
  $("#flow").addEventListener("change", show);
  if (CONFIG.canEdit) {
    for (const part of document.querySelectorAll(".admin-only")) part.hidden = false;
    $("#reload").addEventListener("click", reload);
    $("#upload").addEventListener("submit", upload);
  }
  show();
})();

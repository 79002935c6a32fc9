// The recordings' player, on a recording's page (/recordings/{id}) and in the console's
// recordings card: <audio> fed by the range-serving /api/recordings/{id}/audio, the waveform
// drawn on a canvas with the paused stretches shaded and the play head, click to seek; the
// transcript's words under it, each a button seeking to its start, once the transcript exists.
// In the console also the agent's own recent recordings and the pause/resume buttons of the
// call under way. Page data: <script id="recordings-config" type="application/json">.
"use strict";
(function () {
  const CONFIG = JSON.parse(document.getElementById("recordings-config").textContent);
  const root = document.querySelector(".rec-player");
  const audio = root.querySelector(".rec-audio");
  const canvas = root.querySelector(".rec-wave");
  const transcript = root.querySelector(".rec-transcript");
  let shown = {meta: null, peaks: [], interval: 50, words: []};

  async function api(method, path) {
    const options = {method, headers: {Accept: "application/json"}, credentials: "same-origin"};
    if (method !== "GET") options.headers["X-CSRF-Token"] = CONFIG.csrf;
    const response = await fetch(path, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || t("The server answered {status}.", {status: response.status}));
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function showError(error) {
    root.querySelector(".rec-error").textContent = error ? error.message : "";
  }

  // -- the player ----------------------------------------------------------------------------

  async function load(id) {
    showError(null);
    try {
      const meta = await api("GET", `/api/recordings/${id}`);
      shown = {meta, peaks: [], interval: 50, words: []};
      root.hidden = false;
      root.dataset.recording = String(id);
      audio.src = `/api/recordings/${id}/audio`;
      describe(meta);
      const wave = await api("GET", `/api/recordings/${id}/waveform`);
      shown.peaks = wave.peaks;
      shown.interval = wave.interval_ms;
      draw();
      await loadTranscript(id);
    } catch (error) {
      showError(error);
    }
  }

  function describe(meta) {
    root.querySelector(".rec-title").textContent = fmt.dateTime(new Date(meta.recorded_at));
    root.querySelector(".rec-facts").textContent = t("{duration} · {size} KB · SHA-256 {sha}", {
      duration: fmt.duration(meta.duration_ms / 1000), size: fmt.number(Math.round(meta.size_bytes / 1024)),
      sha: meta.sha256.slice(0, 12)});
    const download = root.querySelector(".rec-download");
    download.hidden = !meta.may_download;
    download.href = `/api/recordings/${meta.id}/download`;
    const stretches = meta.pauses.map(([start, end, by]) => {
      const span = {from: fmt.clock(start), to: fmt.clock(end)};
      return by === "ivr" ? t("{from} to {to} (by the IVR)", span) : t("{from} to {to}", span);
    });
    root.querySelector(".rec-pauses").textContent = stretches.length
      ? tn("Paused {n} time: {stretches}", "Paused {n} times: {stretches}", stretches.length, {stretches: stretches.join(", ")})
      : "";
  }

  function seconds() {
    return shown.meta ? shown.meta.duration_ms / 1000 : 0;
  }

  function draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = canvas.height = Math.round(canvas.clientHeight * ratio);
    const context = canvas.getContext("2d");
    const style = getComputedStyle(canvas);
    const total = seconds();
    context.clearRect(0, 0, width, height);
    if (!total) return;
    context.fillStyle = style.getPropertyValue("--paused").trim();
    for (const [start, end] of shown.meta.pauses) {
      context.fillRect(start / total * width, 0, Math.max(1, (end - start) / total * width), height);
    }
    const loudest = Math.max(1, ...shown.peaks);
    const step = shown.interval / 1000 / total * width;
    context.fillStyle = style.getPropertyValue("--wave").trim();
    shown.peaks.forEach((peak, i) => {
      const bar = Math.max(1, peak / loudest * height);
      context.fillRect(i * step, (height - bar) / 2, Math.max(1, step), bar);
    });
    context.fillStyle = style.getPropertyValue("--head").trim();
    context.fillRect(audio.currentTime / total * width, 0, Math.max(1, ratio * 2), height);
    canvas.dataset.peaks = String(shown.peaks.length);
  }

  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    seek((event.clientX - box.left) / box.width * seconds());
  });

  function seek(at) {
    audio.currentTime = Math.max(0, Math.min(at, seconds()));
    audio.play().catch(() => {});  // a browser may refuse to play unasked: the seek stands
  }

  audio.addEventListener("timeupdate", () => {
    draw();
    for (const word of shown.words) {
      word.node.classList.toggle("current", audio.currentTime >= word.start && audio.currentTime < word.end);
    }
  });
  window.addEventListener("resize", draw);

  // -- the transcript (another part of the product writes it; until then a 404) -------------

  async function loadTranscript(id) {
    transcript.textContent = "";
    let body;
    try {
      body = await api("GET", `/api/recordings/${id}/transcript`);
    } catch (error) {
      transcript.textContent = error.status === 404 ? t("No transcript yet.") : error.message;
      return;
    }
    shown.words = (body.words || []).map((word) => {
      const node = document.createElement("button");
      node.type = "button";
      node.className = "rec-word";
      node.textContent = word.word;
      node.addEventListener("click", () => seek(word.start));
      transcript.append(node, " ");
      return {node, start: word.start, end: word.end};
    });
  }

  // -- the console: the agent's recent recordings, pausing the call under way -----------------

  async function listRecent() {
    const list = document.getElementById("rec-recent");
    try {
      const {recordings} = await api("GET", "/api/recordings?limit=10");
      list.replaceChildren(...recordings.map((recording) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.recording = String(recording.id);
        button.textContent = t("{when} · {duration}", {
          when: fmt.dateTime(new Date(recording.recorded_at)), duration: fmt.duration(recording.duration_ms / 1000)});
        button.addEventListener("click", () => load(recording.id));
        item.append(button);
        return item;
      }));
      document.getElementById("rec-none").hidden = recordings.length > 0;
    } catch (error) {
      showError(error);
    }
  }

  // The buttons follow the call's recording state, pushed over /ws/agent (console.js): pause
  // while it records, resume while paused, neither when the call is not recorded.
  function showLive(state) {
    const pause = document.getElementById("rec-pause");
    if (!pause) return;
    pause.hidden = state !== "recording";
    document.getElementById("rec-resume").hidden = state !== "paused";
    document.getElementById("rec-live-state").textContent = {
      recording: t("Recording"), paused: t("Recording paused"), not_recorded: t("Not recorded"),
    }[state];
  }

  async function live(action) {
    try {
      const answer = await api("POST", `/api/recordings/live/${action}`);
      showLive(answer.paused ? "paused" : "recording");
    } catch (error) {
      document.getElementById("rec-live-state").textContent = error.message;
    }
  }

  if (CONFIG.id) {
    load(CONFIG.id);
  } else {
    listRecent();
    setInterval(listRecent, 60000);
    for (const action of ["pause", "resume"]) {
      const button = document.getElementById(`rec-${action}`);
      if (button) button.addEventListener("click", () => live(action));
    }
    showLive("not_recorded");
    document.addEventListener("cc-recording", (event) => showLive(event.detail.state));
  }
})();

// A page's pushed messages (the console's, the wallboard's, the campaigns page's):
// liveSocket(path, link, onMessage, {label, onOpen}) follows the websocket at PATH (the session
// cookie authenticates), shows its state in the LINK element (LABEL while open: "live" unless
// told), calls onOpen at each (re)connection, hands every message (parsed; what is not JSON is
// dropped) to onMessage, pings to keep the login session alive, reconnects after a loss (with a
// growing delay while handshakes are refused) and goes to the login page once the session has
// ended. Loaded after /i18n/i18n.js.
"use strict";
(function () {
  const SESSION_ENDED = 4401;  // ctiserver.web.agentsocket.SESSION_ENDED
  const PING_MS = 60000;

  function toLogin() { location.assign(`/login?next=${location.pathname}`); }

  async function loginIfLoggedOut() {
    try {
      const response = await fetch(location.pathname, {redirect: "manual"});
      if (response.type === "opaqueredirect" || response.status === 401) toLogin();
    } catch (e) { /* server unreachable: keep reconnecting */ }
  }

  function liveSocket(path, link, onMessage, options = {}, delay = 1000) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}${path}`);
    let opened = false, pinger = null;
    ws.onopen = () => {
      opened = true;
      link.textContent = options.label || t("live");
      link.className = "live";
      pinger = setInterval(() => ws.send(JSON.stringify({type: "ping"})), PING_MS);
      if (options.onOpen) options.onOpen();
    };
    ws.onclose = (event) => {
      clearInterval(pinger);
      link.textContent = t("reconnecting…");
      link.className = "down";
      if (event.code === SESSION_ENDED) { toLogin(); return; }
      if (!opened) loginIfLoggedOut();  // a refused handshake: maybe the session is gone
      const next = opened ? 1000 : Math.min(delay * 2, 15000);
      setTimeout(() => liveSocket(path, link, onMessage, options, next), opened ? 1000 : delay);
    };
    ws.onmessage = (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      onMessage(msg);
    };
  }
  window.liveSocket = liveSocket;
})();

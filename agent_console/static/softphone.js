// The in-page softphone: a JsSIP user agent (vendor/jssip-*.min.js, loaded first) registered
// to the agent's WebRTC endpoint on Asterisk (SIP over websocket, DTLS-SRTP media).
//
//   const phone = startSoftphone({wsUrl, sipUri, password, onState, autoAnswer});
//   phone.answer(); phone.hangup(); await phone.hold(); await phone.unhold(); phone.stop();
//   loadSoftphone({onState}) fetches the logged-in agent's /api/softphone/config first.
//
// onState(state, detail) is told: "connecting", "registered", "unregistered", "failed"
// (registration), "ringing" (detail: caller), "answering", "incall", "ended" (detail: cause).
(function () {
  "use strict";

  function startSoftphone(options) {
    const JsSIP = window.JsSIP;
    const onState = options.onState || function () {};
    const audio = options.audio || document.createElement("audio");
    audio.autoplay = true;
    if (!audio.isConnected) {
      audio.hidden = true;
      document.body.appendChild(audio);
    }
    let session = null;
    const phone = {state: "connecting", audio: audio};

    function tell(state, detail) {
      phone.state = state;
      onState(state, detail);
    }

    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(options.wsUrl)],
      uri: options.sipUri,
      password: options.password,
      register: true,
      session_timers: false,
      user_agent: "callcenter softphone",
    });
    ua.on("registered", function () { tell("registered"); });
    ua.on("unregistered", function () { tell("unregistered"); });
    ua.on("registrationFailed", function (e) { tell("failed", e.cause); });
    ua.on("newRTCSession", function (e) {
      if (e.originator !== "remote") return;
      if (session) { e.session.terminate({status_code: 486}); return; }  // busy: one call at a time
      session = e.session;
      const caller = e.request.from.display_name || e.request.from.uri.user;
      session.on("peerconnection", function (p) { attachAudio(p.peerconnection); });
      session.on("confirmed", function () { tell("incall", caller); });
      session.on("ended", function (x) { session = null; tell("ended", x.cause); });
      session.on("failed", function (x) { session = null; tell("ended", x.cause); });
      tell("ringing", caller);
      if (options.autoAnswer) phone.answer();
    });

    function attachAudio(pc) {
      pc.addEventListener("track", function (t) {
        audio.srcObject = t.streams[0] || new MediaStream([t.track]);
      });
    }

    phone.answer = function () {
      if (!session || session.isEstablished()) return;
      tell("answering");
      session.answer({
        mediaConstraints: {audio: true, video: false},
        pcConfig: {iceServers: []},
      });
    };
    phone.hangup = function () {
      if (session) session.terminate();
    };
    // Hold the SIP way (a sendonly re-INVITE): the caller stays in the queue call's bridge and
    // Asterisk plays its music on hold. Resolves true once the re-INVITE is answered (JsSIP
    // refuses a second one while the first is under way), false when none could start.
    function reoffer(method, state) {
      return new Promise((resolve) => {
        if (!session || !session.isEstablished()) return resolve(false);
        const started = session[method]({}, () => { tell(state); resolve(true); });
        if (!started) resolve(false);
      });
    }
    phone.hold = () => reoffer("hold", "held");
    phone.unhold = () => reoffer("unhold", "incall");
    phone.stop = function () {
      phone.hangup();
      ua.stop();
    };
    ua.start();
    return phone;
  }

  async function loadSoftphone(options) {
    const reply = await fetch("/api/softphone/config", {credentials: "same-origin"});
    if (!reply.ok) throw new Error(t("No softphone for this user ({status})", {status: reply.status}));
    const config = await reply.json();
    return startSoftphone(Object.assign({}, config, options));
  }

  window.startSoftphone = startSoftphone;
  window.loadSoftphone = loadSoftphone;
})();

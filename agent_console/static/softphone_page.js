// The bare softphone page (/softphone): registers the agent's softphone (softphone.js) and
// shows its state (the state's code in data-state, its name in the page's language), with
// answer and hang-up buttons; "?autoanswer" answers calls at once.
"use strict";
(function () {
  const STATES = {
    connecting: t("connecting"),
    registered: t("registered"),
    unregistered: t("unregistered"),
    failed: t("failed"),
    ringing: t("ringing"),
    answering: t("answering"),
    incall: t("in call"),
    held: t("on hold"),
    ended: t("ended"),
  };
  const stateOut = document.getElementById("softphone-state");
  const detailOut = document.getElementById("softphone-detail");
  function show(state, detail) {
    stateOut.dataset.state = state;
    stateOut.value = STATES[state] || state;
    detailOut.textContent = detail || "";
  }
  loadSoftphone({
    autoAnswer: new URLSearchParams(location.search).has("autoanswer"),
    onState: show,
  }).then(function (phone) {
    window.softphone = phone;
    document.getElementById("softphone-answer").onclick = phone.answer;
    document.getElementById("softphone-hangup").onclick = phone.hangup;
  }, function (error) {
    show("failed", error.message);
  });
})();

// The bare softphone page (/softphone): registers the agent's softphone (softphone.js) and
// shows its state, with answer and hang-up buttons; "?autoanswer" answers calls at once.
"use strict";
(function () {
  const stateOut = document.getElementById("softphone-state");
  const detailOut = document.getElementById("softphone-detail");
  loadSoftphone({
    autoAnswer: new URLSearchParams(location.search).has("autoanswer"),
    onState: function (state, detail) {
      stateOut.value = state;
      detailOut.textContent = detail || "";
    },
  }).then(function (phone) {
    window.softphone = phone;
    document.getElementById("softphone-answer").onclick = phone.answer;
    document.getElementById("softphone-hangup").onclick = phone.hangup;
  }, function (error) {
    stateOut.value = "failed";
    detailOut.textContent = error.message;
  });
})();

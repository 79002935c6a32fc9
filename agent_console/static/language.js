// The language chooser (<select id="language">, templates/language.html): a logged-in user's
// choice is saved (PUT /api/me/language, the select's data-csrf) and the page reloads in it;
// on the login page (no data-csrf) the page reloads with ?lang=.
"use strict";
(function () {
  const chooser = document.getElementById("language");
  if (!chooser) return;
  const saved = chooser.value;
  chooser.addEventListener("change", async function () {
    if (!chooser.dataset.csrf) {
      const url = new URL(location.href);
      url.searchParams.set("lang", chooser.value);
      location.assign(url);
      return;
    }
    const reply = await fetch("/api/me/language", {
      method: "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": chooser.dataset.csrf},
      body: JSON.stringify({language: chooser.value || null}),
    });
    if (reply.ok) {
      const url = new URL(location.href);
      url.searchParams.delete("lang");  // ?lang= would outrank the saved choice
      location.assign(url);
    } else chooser.value = saved;  // not saved: show the language still in use
  });
})();

// The pages' translations and locale formatting (contract shared by every page script):
//   t("Calls {n}", {n: 3})        the message translated for the page's locale, {name} filled in
//   tn("{n} call", "{n} calls", n) the plural form for n (params default to {n})
//   fmt.number(n), fmt.clock(seconds) "1:05", fmt.duration(seconds) "1 min 5 s",
//   fmt.time(date, timeZone?), fmt.dateTime(date, timeZone?)
// The catalog is the page's <script id="i18n" type="application/json">{"locale", "messages"}
// (absent: English); a message missing from it reads as its English msgid.
"use strict";
(function () {
  const node = document.getElementById("i18n");
  const catalog = node ? JSON.parse(node.textContent) : {locale: "en", messages: {}};
  const locale = (catalog.locale || "en").replace("_", "-");
  const messages = catalog.messages || {};

  function fill(text, params) {
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      params && name in params ? String(params[name]) : whole);
  }
  function t(msgid, params) {
    const found = messages[msgid];
    return fill(typeof found === "string" && found ? found : msgid, params);
  }
  const plurals = new Intl.PluralRules(locale);
  function tn(singular, plural, n, params) {
    const found = messages[singular];
    const forms = Array.isArray(found) ? found : null;
    const category = plurals.select(n);
    let text;
    if (forms) text = forms[Math.min(forms.length - 1, category === "one" ? 0 : 1)] || singular;
    else text = category === "one" ? singular : plural;
    return fill(text, Object.assign({n: fmt.number(n)}, params || {}));
  }
  const numberFormat = new Intl.NumberFormat(locale);
  const fmt = {
    locale,
    number: (n) => numberFormat.format(n),
    clock(seconds) {
      seconds = Math.max(0, Math.floor(seconds));
      const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
      return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
    },
    duration(seconds) {
      seconds = Math.max(0, Math.round(seconds));
      const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
      if (h) return t("{h} h {m} min", {h, m});
      if (m) return s ? t("{m} min {s} s", {m, s}) : t("{m} min", {m});
      return t("{s} s", {s});
    },
    time: (date, timeZone) => new Intl.DateTimeFormat(locale, {hour: "2-digit", minute: "2-digit", timeZone}).format(date),
    dateTime: (date, timeZone) => new Intl.DateTimeFormat(locale, {dateStyle: "medium", timeStyle: "short", timeZone}).format(date),
  };
  window.t = t;
  window.tn = tn;
  window.fmt = fmt;
})();

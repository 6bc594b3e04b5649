// Herald's demo: wires the pretend product's pages to the Web SDK. Keys come from the query string
// (/demo?writeKey=…&userId=…&userHash=…): Herald stores keys hashed, so it cannot print them into the page itself.
(function () {
  "use strict";
  var query = new URLSearchParams(location.search);
  var writeKey = query.get("writeKey");
  var userId = query.get("userId");
  var userHash = query.get("userHash");

  // Links between demo pages keep the keys and the user.
  document.querySelectorAll("a[data-demo-link]").forEach(function (a) {
    a.href = a.getAttribute("href") + location.search;
    if (a.pathname === location.pathname) a.setAttribute("aria-current", "page");
  });

  var logEl = document.getElementById("log");
  function log(line) {
    if (!logEl) return;
    logEl.textContent = new Date().toLocaleTimeString() + "  " + line + "\n" + logEl.textContent;
  }
  function notice(html) {
    var el = document.getElementById("notice");
    el.innerHTML = html;
    el.classList.add("on");
  }

  if (!writeKey) {
    notice("<b>No write key.</b> Run <code>./herald demo</code> and open the URL it prints " +
      "(it carries <code>?writeKey=…&amp;userId=…&amp;userHash=…</code>).");
    return;
  }
  if (!window.Herald || typeof window.Herald.init !== "function") {
    notice("<b>The Herald SDK did not load</b> from <code>/sdk/herald.js</code>.");
    return;
  }

  var herald = window.Herald.init({ writeKey: writeKey, host: location.origin });
  // For the browser console (and the browser tests): the client the page uses.
  window.herald = herald;

  // Signing in is identify() with the userHash the customer's server computed; signing out is reset(), after which
  // the page is an anonymous visitor again and shows none of the person's messages.
  var who = document.getElementById("who");
  var auth = document.getElementById("auth-button");
  function signedIn(yes) {
    if (who) who.textContent = yes ? "Signed in as " + userId + (userHash ? "" : " (no userHash: unverified)")
      : "Anonymous visitor";
    if (auth && userId) {
      auth.hidden = false;
      auth.textContent = yes ? "Sign out" : "Sign in as " + userId;
      auth.onclick = function () {
        if (yes) {
          herald.reset();
          log("reset (signed out)");
        } else {
          herald.identify(userId, {}, userHash ? { userHash: userHash } : undefined);
          log("identify " + userId);
        }
        signedIn(!yes);
      };
    }
  }
  if (userId) {
    herald.identify(userId, {}, userHash ? { userHash: userHash } : undefined);
    log("identify " + userId);
  }
  signedIn(Boolean(userId));

  ["show", "click", "dismiss", "submit"].forEach(function (type) {
    herald.inapp.on(type, function (p) {
      var detail = p.buttonId ? " button=" + p.buttonId : "";
      if (p.answers) detail += " answers=" + JSON.stringify(p.answers);
      log(type + " " + p.message.format + " " + p.message.deliveryId + detail);
    });
  });

  // The checkout flow: no message may interrupt it, so the page pauses Herald's in-app messages and resumes after.
  var status = document.getElementById("status");
  document.querySelectorAll("[data-checkout]").forEach(function (el) {
    el.addEventListener("click", function () {
      var starting = el.getAttribute("data-checkout") === "start";
      if (starting) herald.inapp.pause();
      else herald.inapp.resume();
      log(starting ? "inapp.pause()" : "inapp.resume()");
      if (status) status.textContent = starting ? "Checking out: messages paused" : "Order placed: messages resumed";
      document.querySelector("[data-checkout=start]").disabled = starting;
      document.querySelector("[data-checkout=finish]").disabled = !starting;
    });
  });

  // <button data-track="event" data-props='{"k":"v"}'>: behavior Herald's campaigns react to.
  document.querySelectorAll("[data-track]").forEach(function (el) {
    el.addEventListener("click", function () {
      var props = el.getAttribute("data-props") ? JSON.parse(el.getAttribute("data-props")) : {};
      herald.track(el.getAttribute("data-track"), props);
      log("track " + el.getAttribute("data-track") + " " + JSON.stringify(props));
    });
  });
})();

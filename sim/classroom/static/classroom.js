// Polls the page's status URL; opens the page anew (never re-posting a form) when the round or the game changes, runs the countdown.
(function () {
  var body = document.body, url = body.dataset.poll;
  if (!url) return;
  var shown = body.dataset.version, left = parseFloat(body.dataset.left || "NaN");
  var clock = document.getElementById("countdown");
  function draw() {
    if (!clock || isNaN(left)) return;
    var s = Math.max(0, Math.round(left));
    clock.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  setInterval(function () { if (!isNaN(left) && body.dataset.status === "running") left -= 1; draw(); }, 1000);
  function poll() {
    fetch(url, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.version !== shown) { location.assign(body.dataset.home || location.href); return; }
      left = s.seconds_left === null ? NaN : s.seconds_left; draw();
    }).catch(function () {}).finally(function () { setTimeout(poll, 1000); });
  }
  draw(); setTimeout(poll, 1000);
})();

/*
 * The explorer served by `siting serve`: plan and locks saved on the server at every change, exact
 * re-optimisation with locks, background sweeps with progress. Loaded only in server mode.
 */
(function () {
  "use strict";

  function send(method, url, body) {
    return fetch(url, {method: method, headers: {"Content-Type": "application/json"},
                       body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) { throw new Error(data.error || ("HTTP " + r.status)); }
          return data;
        });
      });
  }

  window.sitingServer = function (ex, sharedAddress) {
    var d = ex.d, status = document.getElementById("ex-server"), pos = {};
    d.sites.ids.forEach(function (id, j) { pos[id] = j; });
    function say(text) { status.textContent = text; }
    function ids(pred) {
      var out = [];
      for (var j = 0; j < ex.kept.length; j++) { if (pred(j)) { out.push(d.sites.ids[j]); } }
      return out;
    }
    function plan() {
      return {bases: ids(function (j) { return ex.kept[j]; }), minutes: ex.limit,
              keep: ids(function (j) { return ex.locks[j] === 1; }), close: ids(function (j) { return ex.locks[j] === -1; })};
    }
    var timer = null, ready = false, pending = false;
    function save() {
      if (!ready) { return; }
      pending = true;
      clearTimeout(timer);
      timer = setTimeout(flush, 150);  // a burst of clicks is saved once
    }
    /* Send the pending plan now. keepalive: the request outlives the page, so a change made just
     * before the browser (or the tab) closes is still saved. */
    function flush(keepalive) {
      if (!pending) { return; }
      pending = false;
      clearTimeout(timer);
      fetch("/api/state", {method: "PUT", headers: {"Content-Type": "application/json"},
                           body: JSON.stringify(plan()), keepalive: keepalive === true})
        .then(function (r) { if (!r.ok) { return r.json().then(function (e) { throw new Error(e.error); }); } })
        .catch(function (e) { say("Not saved: " + e.message); });
    }
    window.addEventListener("pagehide", function () { flush(true); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flush(true); }
    });
    var update = ex.update;
    ex.update = function () { update.call(ex); save(); };
    ex.lockSelects.forEach(function (sel, j) {
      if (sel) { sel.addEventListener("change", function () { ex.locks[j] = Number(sel.value); save(); }); }
    });
    function setLocks(keep, close) {
      ex.locks.fill(0);
      (keep || []).forEach(function (id) { if (id in pos) { ex.locks[pos[id]] = 1; } });
      (close || []).forEach(function (id) { if (id in pos) { ex.locks[pos[id]] = -1; } });
      ex.lockSelects.forEach(function (sel, j) { if (sel) { sel.value = String(ex.locks[j]); } });
    }
    function mergeOptima() {
      return send("GET", "/api/optima").then(function (optima) {
        Object.keys(optima).forEach(function (m) {
          d.optima[m] = d.optima[m] || {};
          Object.keys(optima[m]).forEach(function (p) { d.optima[m][p] = optima[m][p]; });
        });
      });
    }
    ex.serverReady = Promise.all([
      send("GET", "/api/state").then(function (s) {
        if (s.plan && !sharedAddress) {
          setLocks(s.plan.keep, s.plan.close);
          ex.setPlan(s.plan.bases.filter(function (id) { return id in pos; }).map(function (id) { return pos[id]; }),
                     s.plan.minutes);
          say("Restored the plan saved on the server.");
        }
      }),
      mergeOptima()
    ]).then(function () { ready = true; update.call(ex); save(); })
      .catch(function (e) { ready = true; say("Server: " + e.message); });

    ex.optimise = function () {
      var p = plan(), body = {bases: p.bases.length, minutes: p.minutes, keep: p.keep, close: p.close};
      say("Re-optimising " + body.bases + " bases at " + body.minutes + " min…");
      return send("POST", "/api/optimise", body).then(function (r) {
        ex.setPlan(r.positions, body.minutes);
        say("Re-optimised (" + r.status + ", " + (1000 * r.seconds).toFixed(0) + " ms): " +
            (100 * r.need_covered / ex.figures.need_total).toFixed(1) + "% of need covered.");
        return r;
      }).catch(function (e) { say("Refused: " + e.message); throw e; });
    };
    document.getElementById("ex-optimise").addEventListener("click", function () { ex.optimise().catch(function () {}); });

    ex.sweep = function (from, to) {
      var n = 0;
      for (var j = 0; j < d.sites.canBase.length; j++) { n += d.sites.canBase[j]; }
      var body = {minutes: ex.limit, from: from || 1, to: Math.min(to || 30, n)};
      return send("POST", "/api/sweep", body).then(function (r) {
        return new Promise(function (resolve, reject) {
          function poll() {
            send("GET", "/api/sweep/" + r.id).then(function (s) {
              say("Sweep at " + body.minutes + " min: " + s.done + " of " + s.total + " (" + s.status + ")");
              if (s.status === "running") { setTimeout(poll, 400); return; }
              mergeOptima().then(function () { update.call(ex); resolve(s); });
            }).catch(reject);
          }
          poll();
        });
      }).catch(function (e) { say("Sweep: " + e.message); throw e; });
    };
    document.getElementById("ex-sweep").addEventListener("click", function () { ex.sweep().catch(function () {}); });
  };
}());

/*
 * The plan explorer: evaluate any plan in the page with the definitions of docs/explorer.md
 * (the same as siting.coverage.evaluate). Plain Leaflet 1.9, no other library. Names from the data
 * are inserted as text (textContent), never as markup.
 */
(function () {
  "use strict";

  function decode(text, Type) {
    var bin = atob(text), bytes = new Uint8Array(bin.length);
    for (var k = 0; k < bin.length; k++) { bytes[k] = bin.charCodeAt(k); }
    return new Type(bytes.buffer);
  }

  function fmt(x, digits) {
    if (x === null || x === undefined || Number.isNaN(x)) { return "–"; }
    if (!isFinite(x)) { return "unreachable"; }
    return Number(x).toLocaleString("en-GB", {minimumFractionDigits: digits, maximumFractionDigits: digits});
  }
  function pct(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) { return "–"; }
    return (100 * x).toFixed(digits === undefined ? 1 : digits) + "%";
  }
  function escapeHtml(text) {  // Leaflet's attribution takes markup: the text is escaped first
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  function gbp(x) { return (x < 0 ? "-£" : "£") + fmt(Math.abs(x), 0); }

  /* The keys of the optima, d.optima[minutesKey(limit)][countKey(bases)]: written in Python only by
   * maps.explorer_data.minutes_key / count_key, read here only through these two (docs/explorer.md:
   * the shortest decimal that reads back as the same number, whole numbers without ".0"). */
  function minutesKey(minutes) { return String(Number(minutes)); }
  function countKey(bases) { return String(bases); }
  function optimumFor(d, minutes, bases) { return (d.optima[minutesKey(minutes)] || {})[countKey(bases)] || null; }

  /* Frontline share in words: a negative frontline (the overheads of this many bases and the fixed
   * shares exceed the budget) is "over budget", never a negative share. */
  function frontlineText(budget) {
    if (!budget) { return "–"; }
    if (budget.over_budget) { return "over budget"; }
    return pct(budget.frontline_share);
  }

  /* ---------------------------------------------------------------- the model (no DOM) */

  function Model(d) {
    this.d = d;
    this.n = d.areas.ids.length;
    this.m = d.sites.ids.length;
    this.ptr = decode(d.pairs.ptr, Int32Array);
    this.site = decode(d.pairs.site, Int32Array);
    this.mins = decode(d.pairs.minutes, Float32Array);
    this.w = Float64Array.from(d.areas.weight);
    this.rural = Uint8Array.from(d.areas.rural);
    this.canBase = Uint8Array.from(d.sites.canBase);
    this.needTotal = 0;
    for (var i = 0; i < this.n; i++) { this.needTotal += this.w[i]; }
    this.best = new Float64Array(this.n);
    this.nearest = new Int32Array(this.n);
  }

  function groupRows(labels, keyOf, n, w, best, limit) {
    var acc = {};
    for (var i = 0; i < n; i++) {
      var key = keyOf(i), g = acc[key];
      if (!g) { g = acc[key] = {group: key, weight: 0, covered_weight: 0, fw: 0, wt: 0}; }
      g.weight += w[i];
      if (best[i] <= limit) { g.covered_weight += w[i]; }
      if (isFinite(best[i])) { g.fw += w[i]; g.wt += w[i] * best[i]; }
    }
    var keys = Object.keys(acc).sort();
    return keys.map(function (key) {
      var g = acc[key];
      return {group: labels ? labels(key) : key, weight: g.weight, covered_weight: g.covered_weight,
              share: g.weight > 0 ? g.covered_weight / g.weight : NaN,
              mean_minutes: g.fw > 0 ? g.wt / g.fw : NaN};
    });
  }

  /* Evaluate ``kept`` (Uint8Array over sites) with the limit ``limit`` (docs/explorer.md). */
  Model.prototype.evaluate = function (kept, limit) {
    var d = this.d, n = this.n, w = this.w, best = this.best, nearest = this.nearest;
    var ptr = this.ptr, site = this.site, mins = this.mins;
    var covered = 0, fw = 0, wt = 0, worst = -Infinity, worstRural = -Infinity, anyW = false, anyRural = false;
    for (var i = 0; i < n; i++) {
      var b = Infinity, k = -1;
      for (var e = ptr[i]; e < ptr[i + 1]; e++) {
        if (kept[site[e]] && mins[e] < b) { b = mins[e]; k = site[e]; }
      }
      best[i] = b; nearest[i] = k;
      if (b <= limit) { covered += w[i]; }
      if (b !== Infinity) { fw += w[i]; wt += w[i] * b; }
      if (w[i] > 0) {
        anyW = true; if (b > worst) { worst = b; }
        if (this.rural[i]) { anyRural = true; if (b > worstRural) { worstRural = b; } }
      }
    }
    var bases = [], perDistrict = {};
    for (var j = 0; j < this.m; j++) {
      if (kept[j]) { bases.push(j); perDistrict[d.sites.district[j]] = (perDistrict[d.sites.district[j]] || 0) + 1; }
    }
    var dist = d.areas.district;
    var districts = groupRows(null, function (x) { return String(dist[x]).padStart(6, "0"); }, n, w, best, limit)
      .map(function (r) {
        var k = Number(r.group);
        return {district: d.districts[k], weight: r.weight, covered_weight: r.covered_weight, share: r.share,
                bases: perDistrict[k] || 0};
      })
      .sort(function (a, b) { return a.district < b.district ? -1 : a.district > b.district ? 1 : 0; });
    var rural = this.rural, q = d.areas.quintile, ruc = d.areas.ruc;
    var classes = groupRows(null, function (x) { return rural[x] ? "rural" : "urban"; }, n, w, best, limit);
    var quintiles = groupRows(null, function (x) { return q[x]; }, n, w, best, limit);
    var rucRows = groupRows(function (key) { return d.rucClasses[Number(key)]; },
                            function (x) { return String(ruc[x]).padStart(6, "0"); }, n, w, best, limit);
    var p = bases.length, budget = null;
    if (d.budget) {
      var B = d.budget, mg = B.management_central_gbp + p * B.management_per_base_gbp;
      var bl = B.building_central_gbp + p * B.building_per_base_gbp;
      var fund = B.family_support_share * B.total_gbp, cont = B.contingency_share * B.total_gbp;
      var front = B.total_gbp - mg - bl - fund - cont;
      budget = {frontline_delivery: front, management_and_admin: mg, buildings_and_infrastructure: bl,
                family_support_fund: fund, contingency_and_reserves: cont, frontline_share: front / B.total_gbp,
                over_budget: front < 0};
    }
    var opt = optimumFor(d, limit, p);
    return {
      bases: bases, minutes: limit, need_total: this.needTotal, need_covered: covered,
      need_covered_share: this.needTotal > 0 ? covered / this.needTotal : 0,
      mean_minutes: fw > 0 ? wt / fw : NaN, worst_minutes: anyW ? worst : NaN,
      worst_rural_minutes: anyRural ? worstRural : NaN, by_district: districts, by_class: classes,
      quintiles: quintiles, ruc: rucRows, budget: budget,
      optimum: opt ? {covered: opt.covered, bases: opt.bases, short: opt.covered - covered} : null
    };
  };

  /* The best single swap (kept a out, closed buildable b in) by need covered; null if none gains. */
  Model.prototype.bestSwap = function (kept, limit) {
    var n = this.n, m = this.m, w = this.w, ptr = this.ptr, site = this.site, mins = this.mins;
    var cnt = new Int32Array(n), sole = new Int32Array(n).fill(-1);
    var loss = new Float64Array(m), add = new Float64Array(m), extra = new Float64Array(m * m);
    var i, e, j;
    for (i = 0; i < n; i++) {
      for (e = ptr[i]; e < ptr[i + 1]; e++) {
        if (kept[site[e]] && mins[e] <= limit) { cnt[i]++; sole[i] = site[e]; }
      }
      if (cnt[i] === 1) { loss[sole[i]] += w[i]; }
      if (cnt[i] > 1) { continue; }
      for (e = ptr[i]; e < ptr[i + 1]; e++) {
        j = site[e];
        if (kept[j] || !this.canBase[j] || mins[e] > limit) { continue; }
        if (cnt[i] === 0) { add[j] += w[i]; } else { extra[sole[i] * m + j] += w[i]; }
      }
    }
    var best = null, tol = 1e-9 * Math.max(this.needTotal, 1);
    for (var a = 0; a < m; a++) {
      if (!kept[a]) { continue; }
      for (j = 0; j < m; j++) {
        if (kept[j] || !this.canBase[j]) { continue; }
        var gain = add[j] - loss[a] + extra[a * m + j];
        if (gain > tol && (best === null || gain > best.gain)) { best = {out: a, into: j, gain: gain}; }
      }
    }
    return best;
  };

  /* ---------------------------------------------------------------- the page */

  function el(tag, text, cls) {
    var x = document.createElement(tag);
    if (text !== undefined && text !== null) { x.textContent = text; }
    if (cls) { x.className = cls; }
    return x;
  }

  function fillTable(table, head, rows, numericFrom) {
    table.textContent = "";
    var thead = el("thead"), tr = el("tr");
    head.forEach(function (h, k) { tr.appendChild(el("th", h, k >= numericFrom ? "num" : "")); });
    thead.appendChild(tr);
    table.appendChild(thead);
    var body = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c, k) { row.appendChild(el("td", c, k >= numericFrom ? "num" : "")); });
      body.appendChild(row);
    });
    table.appendChild(body);
  }

  function csvCell(x) {
    var s = String(x === null || x === undefined ? "" : x);
    if (/^[=+\-@\t\r]/.test(s)) { s = "'" + s; }  // no formula injection in a spreadsheet
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function Explorer(d, shapes) {
    var self = this;
    this.d = d;
    this.model = new Model(d);
    this.kept = new Uint8Array(this.model.m);
    this.locks = new Int8Array(this.model.m);  // 0 free, 1 keep, -1 close (server re-optimisation)
    this.limit = d.minutes;
    this.figures = null;
    this.message = document.getElementById("ex-message");
    var map = this.map = L.map("ex-map", {zoomSnap: 0.25, preferCanvas: false});
    map.attributionControl.setPrefix("Leaflet");
    if (d.provenance) { map.attributionControl.addAttribution(escapeHtml(d.provenance)); }
    L.control.scale({imperial: false}).addTo(map);
    map.fitBounds(d.bounds, {padding: [10, 10]});
    this.areaLayers = [];
    this.areas = L.geoJSON(shapes, {
      style: function () { return {weight: 0.5, color: d.style.edge, opacity: 0.7, fillOpacity: d.style.fillOpacity}; },
      onEachFeature: function (f, layer) {
        self.areaLayers[f.properties.i] = layer;
        layer.bindTooltip(function () { return self.areaTip(f.properties.i); }, {sticky: true});
      }
    }).addTo(map);
    this.markers = [];
    this.markerKept = [];
    d.sites.ids.forEach(function (id, j) {
      var marker = L.marker([d.sites.lat[j], d.sites.lon[j]], {icon: self.icon(j, false), keyboard: false});
      marker.on("click", function () { self.toggle(j); });
      marker.bindTooltip(function () { return self.siteTip(j); }, {direction: "top", offset: [0, -8]});
      marker.addTo(map);
      marker.getElement().setAttribute("data-site", String(j));
      self.markers.push(marker);
      self.markerKept.push(false);
    });
    this.buildSiteList();
    this.buildLegend();
    var input = document.getElementById("ex-minutes");
    input.max = String(d.cutoff);
    var list = document.getElementById("ex-limits");
    d.limits.forEach(function (m) { var o = el("option"); o.value = String(m); list.appendChild(o); });
    input.addEventListener("change", function () { self.setLimit(Number(input.value)); });
    var solutions = document.getElementById("ex-solutions");
    if (d.solutions && d.solutions.length) {
      solutions.parentNode.hidden = false;
      d.solutions.forEach(function (sol, k) { var o = el("option", sol.label); o.value = String(k); solutions.appendChild(o); });
      solutions.addEventListener("change", function () {
        var sol = d.solutions[Number(solutions.value)];
        if (sol) { self.setPlan(sol.bases, sol.minutes); self.say("Solution: " + sol.label + "."); }
      });
    }
    document.getElementById("ex-reset-solution").addEventListener("click", function () {
      self.setPlan(d.initial, d.minutes); self.say("Back to the solution in hand.");
    });
    var planBtn = document.getElementById("ex-reset-plan");
    if (d.planInHand) {
      planBtn.addEventListener("click", function () {
        self.setPlan(d.planInHand.bases, self.limit); self.say("The plan in hand: " + d.planInHand.name + ".");
      });
    } else { planBtn.disabled = true; }
    document.getElementById("ex-reset-optimum").addEventListener("click", function () { self.resetOptimum(); });
    document.getElementById("ex-swap").addEventListener("click", function () { self.swap(); });
    document.getElementById("ex-export").addEventListener("click", function () { self.exportCsv(); });
    window.addEventListener("hashchange", function () { self.fromHash(); });
    if (!this.fromHash()) { this.setPlan(d.initial, d.minutes); }
  }

  Explorer.prototype.say = function (text) { this.message.textContent = text; };

  Explorer.prototype.icon = function (j, kept) {
    var s = this.d.style, size = kept ? 22 : 14, cls = "siting-site " + (kept ? "siting-kept" : "siting-closed");
    if (!this.d.sites.canBase[j]) { cls += " siting-venue"; }
    return L.divIcon({html: kept ? s.keptSvg : s.closedSvg, className: cls, iconSize: [size, size],
                      iconAnchor: [size / 2, size / 2]});
  };

  Explorer.prototype.siteTip = function (j) {
    var d = this.d, tip = el("div");
    tip.appendChild(el("b", d.sites.names[j]));
    var state = !d.sites.canBase[j] ? (d.sites.why[j] || "cannot be a base") : this.kept[j] ? "kept: click to close"
      : "closed: click to keep";
    tip.appendChild(el("div", d.sites.ids[j] + " · " + state));
    return tip;
  };

  Explorer.prototype.areaTip = function (i) {
    var d = this.d, tip = el("div"), b = this.model.best[i], k = this.model.nearest[i];
    tip.appendChild(el("b", d.areas.names[i]));
    tip.appendChild(el("div", "Need " + fmt(d.areas.weight[i], 1) + " · nearest base " +
      (k >= 0 ? d.sites.names[k] : "none within the cut-off") + " · " + fmt(b, 1) + " min"));
    return tip;
  };

  Explorer.prototype.buildSiteList = function () {
    var self = this, d = this.d, body = document.querySelector("#ex-sites tbody");
    this.checks = [];
    this.onlyCells = [];
    this.lockSelects = [];
    var order = d.sites.ids.map(function (_, j) { return j; }).sort(function (a, b) {
      return d.sites.names[a].localeCompare(d.sites.names[b]);
    });
    order.forEach(function (j) {
      var row = el("tr"), cell = el("td"), box = el("input");
      box.type = "checkbox";
      box.setAttribute("data-site", String(j));
      box.setAttribute("aria-label", "Keep " + d.sites.names[j]);
      box.disabled = !d.sites.canBase[j];
      box.addEventListener("change", function () { self.toggle(j, box.checked); });
      cell.appendChild(box);
      row.appendChild(cell);
      row.appendChild(el("td", d.sites.names[j] + " (" + d.sites.ids[j] + ")"));
      row.appendChild(el("td", d.districts[d.sites.district[j]]));
      var only = el("td", "", "num");
      row.appendChild(only);
      if (d.server) {
        var lockCell = el("td"), sel = el("select");
        [["0", "free"], ["1", "keep"], ["-1", "close"]].forEach(function (o) {
          var opt = el("option", o[1]); opt.value = o[0]; sel.appendChild(opt);
        });
        sel.setAttribute("data-lock", String(j));
        sel.disabled = !d.sites.canBase[j];
        sel.addEventListener("change", function () { self.locks[j] = Number(sel.value); });
        lockCell.appendChild(sel);
        row.appendChild(lockCell);
        self.lockSelects[j] = sel;
      }
      self.checks[j] = box;
      self.onlyCells[j] = only;
      body.appendChild(row);
    });
  };

  Explorer.prototype.buildLegend = function () {
    var s = this.d.style, ul = document.getElementById("ex-legend");
    this.legendItems = s.minutesColours.map(function (c) {
      var li = el("li"), sw = el("span", "", "swatch");
      sw.style.background = c;
      sw.style.opacity = String(s.fillOpacity);  // as the fills (on white)
      li.appendChild(sw);
      var label = el("span");
      li.appendChild(label);
      ul.appendChild(li);
      return label;
    });
    [["siting-kept", s.keptSvg, "Kept base (click to close)"], ["siting-closed", s.closedSvg, "Closed site (click to keep)"]]
      .forEach(function (x) {
        var li = el("li"), sym = el("span", "", "sym");
        sym.innerHTML = x[1];  // a fixed symbol from maps/styles.py, not data
        li.appendChild(sym);
        li.appendChild(el("span", x[2]));
        ul.appendChild(li);
      });
  };

  Explorer.prototype.toggle = function (j, on) {
    if (!this.d.sites.canBase[j]) {
      this.say(this.d.sites.names[j] + " cannot be a base (" + (this.d.sites.why[j] || "not allowed") + ").");
      return;
    }
    this.kept[j] = on === undefined ? (this.kept[j] ? 0 : 1) : (on ? 1 : 0);
    this.update();
  };

  /* Keep ``bases`` (site positions) and nothing else; returns the names of those that cannot be bases (left out). */
  Explorer.prototype.setPlan = function (bases, limit) {
    this.kept.fill(0);
    var self = this, left = [];
    bases.forEach(function (j) {
      if (self.d.sites.canBase[j]) { self.kept[j] = 1; } else { left.push(self.d.sites.names[j] + " (" + self.d.sites.ids[j] + ")"); }
    });
    if (limit !== undefined && limit !== null && isFinite(limit) && limit > 0) { this.limit = Math.min(limit, this.d.cutoff); }
    this.update();
    return left;
  };

  Explorer.prototype.setLimit = function (limit) {
    if (!(isFinite(limit) && limit > 0)) { this.say("The limit must be a positive number of minutes."); return; }
    if (limit > this.d.cutoff) {
      this.say("The page carries travel times up to " + this.d.cutoff + " minutes; limit set to that.");
      limit = this.d.cutoff;
    }
    this.limit = limit;
    this.update();
  };

  Explorer.prototype.resetOptimum = function () {
    var p = this.figures.bases.length, opt = optimumFor(this.d, this.limit, p);
    if (!opt) { this.say("No optimum was computed for " + p + " bases at " + minutesKey(this.limit) + " minutes."); return; }
    this.setPlan(opt.bases, this.limit);
    this.say("The optimum for " + p + " bases at " + minutesKey(this.limit) + " minutes" +
             (this.d.rules ? " under the rules: " + this.d.rules : "") + ".");
  };

  Explorer.prototype.swap = function () {
    var s = this.model.bestSwap(this.kept, this.limit), d = this.d;
    if (!s) { this.say("No single swap covers more need: the plan is swap-optimal at this limit."); return null; }
    this.kept[s.out] = 0;
    this.kept[s.into] = 1;
    this.update();
    this.say("Swapped " + d.sites.names[s.out] + " for " + d.sites.names[s.into] + ": +" + fmt(s.gain, 1) +
             " need covered.");
    return s;
  };

  Explorer.prototype.hash = function () {
    var d = this.d, ids = [];
    for (var j = 0; j < this.kept.length; j++) { if (this.kept[j]) { ids.push(encodeURIComponent(d.sites.ids[j])); } }
    return "#bases=" + ids.join(",") + "&minutes=" + minutesKey(this.limit);
  };

  Explorer.prototype.fromHash = function () {
    var h = window.location.hash.replace(/^#/, "");
    if (!h || h === this.hash().slice(1)) { return false; }
    var parts = {};
    h.split("&").forEach(function (kv) { var k = kv.indexOf("="); if (k > 0) { parts[kv.slice(0, k)] = kv.slice(k + 1); } });
    if (parts.bases === undefined) { return false; }
    var pos = {}, d = this.d, unknown = [];
    d.sites.ids.forEach(function (id, j) { pos[id] = j; });
    var bases = parts.bases === "" ? [] : parts.bases.split(",").map(function (x) {
      var id = decodeURIComponent(x);
      if (!(id in pos)) { unknown.push(id); }
      return pos[id];
    }).filter(function (j) { return j !== undefined; });
    var left = this.setPlan(bases, parts.minutes === undefined ? this.limit : Number(parts.minutes));
    var notes = [];
    if (unknown.length) { notes.push("Unknown site ids in the address left out: " + unknown.join(", ") + "."); }
    if (left.length) { notes.push("Sites that cannot be bases left out: " + left.join(", ") + "."); }
    if (notes.length) { this.say(notes.join(" ")); }
    return true;
  };

  Explorer.prototype.update = function () {
    var t0 = performance.now();
    var f = this.figures = this.model.evaluate(this.kept, this.limit);
    this.lastEvaluateMs = performance.now() - t0;
    this.render(f);
    this.lastUpdateMs = performance.now() - t0;
    var h = this.hash();
    if (window.location.hash !== h) { history.replaceState(null, "", h); }
  };

  Explorer.prototype.onlyHere = function () {
    var m = this.model, only = new Float64Array(m.m), cnt, sole;
    for (var i = 0; i < m.n; i++) {
      cnt = 0; sole = -1;
      for (var e = m.ptr[i]; e < m.ptr[i + 1]; e++) {
        if (this.kept[m.site[e]] && m.mins[e] <= this.limit) { cnt++; sole = m.site[e]; }
      }
      if (cnt === 1) { only[sole] += m.w[i]; }
    }
    return only;
  };

  Explorer.prototype.render = function (f) {
    var d = this.d, self = this, s = d.style;
    function set(name, text) { document.querySelector('[data-fig="' + name + '"]').textContent = text; }
    set("bases", String(f.bases.length));
    set("minutes", fmt(f.minutes, f.minutes % 1 ? 1 : 0));
    set("share", pct(f.need_covered_share));
    set("covered", fmt(f.need_covered, 0) + " of " + fmt(f.need_total, 0));
    set("mean", fmt(f.mean_minutes, 1) + " min");
    set("worst", fmt(f.worst_minutes, 1) + " min");
    set("worst-rural", fmt(f.worst_rural_minutes, 1) + " min");
    set("frontline", frontlineText(f.budget));
    set("frontline-note", f.budget && f.budget.over_budget ? "overheads exceed the budget by " +
        gbp(-f.budget.frontline_delivery) + ": no money left for frontline work" : "");
    if (f.optimum) {
      set("gap", fmt(100 * f.optimum.short / f.need_total, 1) + " pts");
      set("gap-need", fmt(f.optimum.short, 0) + " need");
    } else {
      set("gap", "–");
      set("gap-need", "no optimum computed for " + f.bases.length + " bases at " + minutesKey(f.minutes) + " min");
    }
    document.getElementById("ex-minutes").value = String(f.minutes);
    // map: areas by minutes class relative to the limit, markers kept/closed with labels on kept bases
    var factors = s.minutesFactors, shownClass = this.areaClass || (this.areaClass = []);
    this.areaLayers.forEach(function (layer, i) {
      var b = self.model.best[i], k = 0;
      while (k < factors.length && !(b <= factors[k] * f.minutes)) { k++; }
      if (shownClass[i] !== k) { shownClass[i] = k; layer.setStyle({fillColor: s.minutesColours[k]}); }
    });
    var only = this.onlyHere();
    this.markers.forEach(function (marker, j) {
      var kept = !!self.kept[j];
      if (self.markerKept[j] !== kept) {
        self.markerKept[j] = kept;
        marker.setIcon(self.icon(j, kept));
        marker.setZIndexOffset(kept ? 1000 : 0);
        marker.unbindTooltip();
        if (kept) {
          marker.bindTooltip(el("span", d.sites.names[j]), {permanent: true, direction: "right", offset: [9, 0],
                                                className: "siting-label"});
        } else {
          marker.bindTooltip(function () { return self.siteTip(j); }, {direction: "top", offset: [0, -8]});
        }
        var elm = marker.getElement();
        if (elm) { elm.setAttribute("data-site", String(j)); }
      }
      self.checks[j].checked = kept;
      self.onlyCells[j].textContent = kept ? fmt(only[j], 0) : "";
    });
    var labels = factors.map(function (x) { return x * f.minutes; });
    this.legendItems.forEach(function (item, k) {
      item.textContent = k === 0 ? "up to " + fmt(labels[0], 0) + " min" : k < labels.length
        ? fmt(labels[k - 1], 0) + "–" + fmt(labels[k], 0) + " min" : "over " + fmt(labels[labels.length - 1], 0) +
        " min or unreachable";
    });
    fillTable(document.getElementById("ex-districts"), ["District", "Bases", "Need", "Covered", "Share"],
      f.by_district.map(function (r) {
        return [r.district, String(r.bases), fmt(r.weight, 0), fmt(r.covered_weight, 0), pct(r.share)];
      }), 1);
    var groupHead = ["Group", "Need", "Covered", "Share", "Mean min"];
    function groups(rows) {
      return rows.map(function (r) {
        return [r.group, fmt(r.weight, 0), fmt(r.covered_weight, 0), pct(r.share), fmt(r.mean_minutes, 1)];
      });
    }
    fillTable(document.getElementById("ex-quintiles"), ["Quintile"].concat(groupHead.slice(1)), groups(f.quintiles), 1);
    fillTable(document.getElementById("ex-ruc"), ["Rural-urban class"].concat(groupHead.slice(1)), groups(f.ruc), 1);
    fillTable(document.getElementById("ex-classes"), ["Areas"].concat(groupHead.slice(1)), groups(f.by_class), 1);
    var budgetTable = document.getElementById("ex-budget");
    if (f.budget) {
      var names = [["frontline_delivery", "Frontline delivery"], ["management_and_admin", "Management and admin"],
                   ["buildings_and_infrastructure", "Buildings and infrastructure"],
                   ["family_support_fund", "Family support fund"], ["contingency_and_reserves", "Contingency and reserves"]];
      var total = d.budget.total_gbp;
      fillTable(budgetTable, ["Category", "£ a year", "Share"], names.map(function (x) {
        if (x[0] === "frontline_delivery" && f.budget.over_budget) {
          return [x[1], "over budget by " + gbp(-f.budget[x[0]]), "over budget"];
        }
        return [x[1], gbp(f.budget[x[0]]), pct(f.budget[x[0]] / total)];
      }).concat([["Total (" + d.budget.name + ")", gbp(total), "100.0%"]]), 1);
    } else {
      fillTable(budgetTable, ["Budget"], [["The case has no pair of budgets to model the split."]], 9);
    }
  };

  Explorer.prototype.csv = function () {
    var f = this.figures, d = this.d, lines = [];
    function row(cells) { lines.push(cells.map(csvCell).join(",")); }
    row(["table", "key", "name", "value_1", "value_2", "value_3", "value_4"]);
    row(["plan", "minutes", "", f.minutes]);
    f.bases.forEach(function (j) { row(["plan", "base", d.sites.ids[j], d.sites.names[j]]); });
    row(["summary", "need_total", "", f.need_total]);
    row(["summary", "need_covered", "", f.need_covered]);
    row(["summary", "need_covered_share", "", f.need_covered_share]);
    row(["summary", "mean_minutes", "", f.mean_minutes]);
    row(["summary", "worst_minutes", "", f.worst_minutes]);
    row(["summary", "worst_rural_minutes", "", f.worst_rural_minutes]);
    row(["district", "district (bases, need, covered, share)", "", "bases", "need", "covered", "share"]);
    f.by_district.forEach(function (r) { row(["district", r.district, "", r.bases, r.weight, r.covered_weight, r.share]); });
    [["idaci_quintile", f.quintiles], ["rural_urban_class", f.ruc], ["area_class", f.by_class]].forEach(function (t) {
      t[1].forEach(function (r) { row([t[0], r.group, "", r.weight, r.covered_weight, r.share, r.mean_minutes]); });
    });
    if (f.budget) {
      Object.keys(f.budget).forEach(function (k) { if (k !== "over_budget") { row(["budget_gbp", k, "", f.budget[k]]); } });
      row(["budget", "over_budget", "", f.budget.over_budget ? "yes" : "no"]);
    }
    return lines.join("\r\n") + "\r\n";
  };

  Explorer.prototype.exportCsv = function () {
    var blob = new Blob([this.csv()], {type: "text/csv"}), a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "plan_" + this.figures.bases.length + "_bases_" + this.limit + "_min.csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };

  /* Time the evaluation of ``repeats`` random plans of ``p`` bases, each ``rounds`` times (the benchmark). */
  Explorer.prototype.timeEvaluate = function (p, repeats, rounds) {
    var m = this.model, kept = new Uint8Array(m.m), candidates = [], times = [];
    rounds = rounds || 1;
    for (var j = 0; j < m.m; j++) { if (m.canBase[j]) { candidates.push(j); } }
    var seed = 12345;
    function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }
    for (var r = 0; r < repeats; r++) {
      kept.fill(0);
      for (var k = 0; k < p; k++) { kept[candidates[Math.floor(rnd() * candidates.length)]] = 1; }
      var plan = [];
      for (var q = 0; q < rounds; q++) {
        var t0 = performance.now();
        m.evaluate(kept, this.limit);
        plan.push(performance.now() - t0);
      }
      times.push(plan);
    }
    return times;
  };

  function start() {
    var d = JSON.parse(document.getElementById("ex-data").textContent);
    var shapes = JSON.parse(document.getElementById("ex-shapes").textContent);
    var sharedAddress = window.location.hash.length > 1;
    var ex = new Explorer(d, shapes);
    window.explorer = ex;
    if (d.server && window.sitingServer) { window.sitingServer(ex, sharedAddress); }
  }

  window.SitingExplorerModel = Model;
  window.SitingExplorerKeys = {minutesKey: minutesKey, countKey: countKey, frontlineText: frontlineText};
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());

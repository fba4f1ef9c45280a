/*
 * siting maps: colour modes, switching between solutions, uncovered-need outlines and the legend.
 * Plain Leaflet 1.9, no other library. Every text this script puts into the page arrives already
 * HTML-escaped from Python (maps/html.py); the script itself only adds numbers and fixed words.
 */
(function () {
  "use strict";

  function fmt(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) { return "–"; }
    return Number(x).toLocaleString("en-GB", {minimumFractionDigits: digits, maximumFractionDigits: digits});
  }

  function minutesClass(m, limit, factors) {
    if (m === null || m === undefined || !isFinite(m)) { return factors.length; }
    for (var k = 0; k < factors.length; k++) {
      if (m <= factors[k] * limit) { return k; }
    }
    return factors.length;
  }

  function sitingMap(cfg) {
    var d = cfg.data;
    var map = cfg.map;
    var state = {k: d.initial, mode: d.mode};
    var areaLayers = [];
    cfg.areas.eachLayer(function (layer) { areaLayers[layer.feature.properties.i] = layer; });

    function sol() { return d.solutions[state.k]; }

    function fillOf(i) {
      var s = sol();
      if (state.mode === "catchment") {
        var b = s.areaBase[i];
        return b >= 0 ? s.baseColours[b] : d.noBaseColour;
      }
      if (state.mode === "minutes") {
        return d.minutesColours[minutesClass(s.areaMinutes[i], s.minutes, d.minutesFactors)];
      }
      return d.need.colours[d.need.cls[i]];
    }

    function restyle() {
      areaLayers.forEach(function (layer, i) {
        layer.setStyle({fillColor: fillOf(i), fillOpacity: d.fillOpacity, color: d.edge.color,
                        weight: d.edge.weight, opacity: d.edge.opacity});
      });
    }

    function outlineUncovered() {
      var s = sol();
      cfg.uncovered.clearLayers();
      areaLayers.forEach(function (layer, i) {
        if (!s.areaCovered[i] && d.weight[i] > 0) {
          cfg.uncovered.addLayer(L.polygon(layer.getLatLngs(), d.uncoveredStyle));
        }
      });
    }

    function popup(layer) {
      var i = layer.feature.properties.i, s = sol(), b = s.areaBase[i];
      var base = b >= 0 ? s.baseLabels[b] : "none reachable";
      var within = s.areaCovered[i] ? "yes" : "no";
      return layer.feature.properties.p +
        "<tr><th>Nearest base</th><td>" + base + "</td></tr>" +
        "<tr><th>Minutes to it</th><td>" + fmt(s.areaMinutes[i], 1) + "</td></tr>" +
        "<tr><th>Within " + fmt(s.minutes, 0) + " min</th><td>" + within + "</td></tr></tbody></table>";
    }

    areaLayers.forEach(function (layer) {
      layer.bindPopup(popup, {maxWidth: 340});
      layer.bindTooltip(layer.feature.properties.t, {sticky: true, direction: "top"});
    });

    function siteMarker(i, kind, popup) {
      var site = d.sites[i], icon = d.icons[kind], half = icon.size / 2;
      var marker = L.marker([site.lat, site.lon], {
        icon: L.divIcon({html: icon.html, className: "siting-site siting-" + kind,
                         iconSize: [icon.size, icon.size], iconAnchor: [half, half]}),
        zIndexOffset: icon.z, keyboard: false
      });
      marker.bindPopup(popup, {maxWidth: 340});
      if (kind === "kept") {
        // a kept base carries its name on the map (site.tip arrives HTML-escaped from Python)
        marker.bindTooltip(site.tip, {permanent: true, direction: "right", offset: [9, 0], className: "siting-label"});
      } else {
        marker.bindTooltip(site.tip + " · closed", {direction: "top", offset: [0, -8]});
      }
      return marker;
    }

    var markerCache = {};
    function markersOf(k) {
      if (!markerCache[k]) {
        var s = d.solutions[k], kept = L.layerGroup(), closed = L.layerGroup(), isKept = {};
        s.kept.forEach(function (i, b) { isKept[i] = true; kept.addLayer(siteMarker(i, "kept", s.keptPopups[b])); });
        d.sites.forEach(function (site, i) {
          if (!isKept[i]) { closed.addLayer(siteMarker(i, "closed", site.closedPopup)); }
        });
        markerCache[k] = {kept: kept, closed: closed};
      }
      return markerCache[k];
    }

    var shown = null;
    function showMarkers() {
      if (shown) { cfg.kept.removeLayer(shown.kept); cfg.closed.removeLayer(shown.closed); }
      shown = markersOf(state.k);
      cfg.kept.addLayer(shown.kept);
      cfg.closed.addLayer(shown.closed);
    }

    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "siting-legend-box leaflet-control");
      var toggle = L.DomUtil.create("button", "siting-legend-toggle", box);
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "true");
      toggle.textContent = "Legend";
      var div = L.DomUtil.create("div", "siting-legend", box);
      div.innerHTML = d.legendHtml;
      toggle.addEventListener("click", function () { setLegendOpen(box.classList.contains("collapsed")); });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legend.addTo(map);
    var legendBox = legend.getContainer();
    var legendDiv = legendBox.querySelector(".siting-legend");

    function setLegendOpen(open) {
      legendBox.classList.toggle("collapsed", !open);
      legendBox.querySelector(".siting-legend-toggle").setAttribute("aria-expanded", open ? "true" : "false");
      fitLegend();
    }

    /* Keep the legend below the layer control (both on the right): its height is what is left. */
    function fitLegend() {
      var mapBox = map.getContainer().getBoundingClientRect();
      var layers = map.getContainer().querySelector(".leaflet-control-layers");
      var top = layers ? layers.getBoundingClientRect().bottom - mapBox.top : 0;
      var bottom = mapBox.bottom - legendBox.getBoundingClientRect().bottom;
      var toggleH = legendBox.querySelector(".siting-legend-toggle").getBoundingClientRect().height;
      var room = mapBox.height - top - bottom - toggleH - 24;
      legendDiv.style.maxHeight = Math.max(room, 60) + "px";
    }
    if (map.getSize().x < 900) {  // narrow: the legend starts collapsed, so the map needs no room for it
      legendBox.classList.add("collapsed");
      map.fitBounds(cfg.areas.getBounds(), {padding: [10, 10]});
    }
    map.on("resize", fitLegend);

    /* Printing resizes the map (print stylesheet): fit the areas again, clear of the printed legend. */
    function fitForPrint() {
      map.invalidateSize({animate: false});
      var legendWidth = legendDiv.getBoundingClientRect().width || 0;
      map.fitBounds(cfg.areas.getBounds(), {paddingTopLeft: [8, 8], paddingBottomRight: [legendWidth + 16, 8],
                                            animate: false});
    }
    window.addEventListener("beforeprint", fitForPrint);
    if (window.matchMedia) {
      var printQuery = window.matchMedia("print");
      if (printQuery.addEventListener) {
        printQuery.addEventListener("change", function (e) { if (e.matches) { fitForPrint(); } });
      }
    }

    function updateLegend() {
      var s = sol();
      legendDiv.querySelectorAll("[data-mode]").forEach(function (el) {
        var okMode = el.getAttribute("data-mode") === state.mode;
        var m = el.getAttribute("data-minutes");
        var okMinutes = m === null || Number(m) === s.minutes;
        el.hidden = !(okMode && okMinutes);
      });
      legendDiv.querySelectorAll("[data-minutes-only]").forEach(function (el) {
        el.hidden = Number(el.getAttribute("data-minutes-only")) !== s.minutes;
      });
      var head = legendDiv.querySelector("[data-headline]");
      if (head) { head.innerHTML = s.headline; }
      var list = legendDiv.querySelector("[data-catchments]");
      if (list) {
        list.innerHTML = s.baseLabels.map(function (label, b) {
          return '<li><span class="swatch" style="background:' + s.baseColours[b] + '"></span>' + label + "</li>";
        }).join("");
      }
      legendDiv.querySelectorAll(".swatch").forEach(function (sw) { sw.style.opacity = String(d.fillOpacity); });
      fitLegend();
    }

    function syncPage() {
      document.querySelectorAll("[data-solution-panel]").forEach(function (el) {
        el.hidden = Number(el.getAttribute("data-solution-panel")) !== state.k;
      });
      document.querySelectorAll("[data-solution-point]").forEach(function (el) {
        el.classList.toggle("selected", Number(el.getAttribute("data-solution-point")) === state.k);
      });
      var slider = document.getElementById("siting-slider");
      if (slider) { slider.value = String(state.k); }
      var select = document.getElementById("siting-select");
      if (select) { select.value = String(state.k); }
      var label = document.getElementById("siting-current");
      if (label) { label.innerHTML = sol().headline; }
    }

    function show(k) {
      k = Number(k);
      if (!(k >= 0 && k < d.solutions.length)) { return; }
      state.k = k;
      restyle();
      outlineUncovered();
      showMarkers();
      map.closePopup();
      updateLegend();
      syncPage();
    }

    function setMode(mode) {
      state.mode = mode;
      restyle();
      updateLegend();
    }

    map.on("baselayerchange", function (e) {
      Object.keys(cfg.modes).forEach(function (mode) {
        if (cfg.modes[mode] === e.layer) { setMode(mode); }
      });
    });
    map.on("overlayadd", function () { cfg.uncovered.eachLayer(function (l) { l.bringToFront(); }); });

    if (map.attributionControl) {
      map.attributionControl.setPrefix("Leaflet");
      if (d.attribution) { map.attributionControl.addAttribution(d.attribution); }
    }

    var slider = document.getElementById("siting-slider");
    if (slider) { slider.addEventListener("input", function () { show(slider.value); }); }
    var select = document.getElementById("siting-select");
    if (select) { select.addEventListener("change", function () { show(select.value); }); }
    document.querySelectorAll("[data-solution-point]").forEach(function (el) {
      el.addEventListener("click", function () { show(el.getAttribute("data-solution-point")); });
    });

    show(state.k);
    return {
      show: show,
      setMode: setMode,
      setLegendOpen: setLegendOpen,
      current: function () { return state.k; },
      mode: function () { return state.mode; },
      count: function () { return d.solutions.length; }
    };
  }

  window.sitingMap = sitingMap;
}());

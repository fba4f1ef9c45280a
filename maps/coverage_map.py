"""Coverage maps: need, catchments and travel time of one or more solutions on one Leaflet map.

The map (Folium, fully offline through :mod:`maps.offline`) shows

* the demand areas (LSOA polygons, simplified for display) coloured by one of three *modes*,
  chosen with the radio buttons of the layer control: need (children aged 0-4 x need weight,
  quantile classes), catchments (the base that serves each area; touching catchments get
  different colours) or minutes to the nearest base (classes relative to the travel-time limit);
* areas with need beyond the travel-time limit outlined in magenta (overlay);
* district outlines (the areas dissolved by district);
* kept bases (dark circles) and closed sites (small hollow circles with a cross), and optionally the
  bases of the plan in hand (purple squares); all markers are ``L.divIcon`` with inline SVG;
* popups with the figures that matter, a legend, a layer control and a scale bar.

Several solutions (a sweep) share the polygons and the site table: ``siting.js`` restyles the
areas and draws the solution's markers when ``window.sitingView.show(k)`` is called, so the page
carries the geometry and every site once, plus a few kilobytes per solution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure

from maps import geometry, styles
from maps.elements import SitingView, site_marker
from maps.equity_table import equity_table_html
from maps.html import esc, num, pct, script_json
from maps.offline import make_offline, render_offline
from maps.results import Solution
from siting.errors import InputError
from siting.formatting import gbp
from siting.geo import WGS84

MODES: dict[str, str] = {
    "need": "Need: children 0–4 × need",
    "catchment": "Catchments: nearest base",
    "minutes": "Minutes to the nearest base",
}
#: Optional tile layers (``--tiles``): name -> (URL template, attribution HTML, label).
TILES: dict[str, tuple[str, str, str]] = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
            "OpenStreetMap (online)"),
}
#: Per-base columns shown in popups when present, with their labels (outreach model adds hours).
BASE_FIGURES: tuple[tuple[str, str, int], ...] = (
    ("need_within_reach", "Need within reach", 0),
    ("need_lost_if_closed_alone_others_fixed", "Lost if closed alone (others fixed)", 0),
    ("need_only_here", "Lost if closed alone (others fixed)", 0),  # result folders written before the rename
    ("need_lost_best_replacement_others_fixed", "Lost if closed, best replacement (others fixed)", 0),
    ("need_lost_reoptimised_same_count", "Lost if closed, all bases re-optimised", 0),
    ("need_lost_reoptimised_fewer_bases", "Lost with one base fewer, re-optimised", 0),
    ("areas_nearest", "Areas served (nearest base)", 0),
    ("areas_served", "Areas served", 0),
    ("staff_hours", "Staff hours", 0),
    ("contact_hours", "Contact hours", 0),
    ("driving_hours", "Driving hours", 0),
    ("staff_posts", "Staff posts", 1),
)
#: Width of the legend and layer control (CSS ``max-width`` of ``.siting-legend``), kept clear when fitting.
LEGEND_WIDTH_PX = 290
_NOT_FIGURES = {"id", "name", "district", "kind", "lon", "lat", "x_m", "y_m", "kept"}


@dataclass(frozen=True)
class MapLayers:
    """The folium objects of a built map (for callers that add to the page around it)."""

    map: folium.Map
    figure: Figure
    tiles_allowed: tuple[str, ...]


def solution_headline(sol: Solution, *, with_equity: bool = True) -> str:
    """One escaped line: bases, reach, need covered and the plan in hand's figure (and a folded equity table)."""
    s = sol.summary
    text = (f"<b>{sol.n_bases} bases</b> · {num(sol.minutes)}-minute reach · "
            f"<b>{pct(s.get('need_covered_share'))}</b> of need covered · "
            f"worst {num(s.get('worst_minutes'), digits=1)} min")
    plan = sol.plan_in_hand
    if plan is not None:
        text += (f" <span class=plan>(plan in hand {esc(plan.get('name', ''))}, {len(plan.get('bases', []))} bases: "
                 f"{pct(plan.get('need_covered_share'))})</span>")
    table = equity_table_html(s) if with_equity else ""
    if table:
        text += f"<details><summary>Equity by deprivation and rurality</summary>{table}</details>"
    return text


def _area_head(row: pd.Series) -> str:
    rows = [("Area", esc(row["id"])), ("District", esc(row["district"])),
            ("Children aged 0–4", num(row["children_0_4"])), ("Need (weight)", num(row["weight"], digits=1))]
    if "idaci_quintile" in row.index:
        rows.append(("IDACI quintile (of the case's areas; 1 = most deprived)", num(row["idaci_quintile"])))
    if "ruc" in row.index:
        rows.append(("Rural-urban class", esc(row["ruc"] if isinstance(row["ruc"], str) and row["ruc"] else "unknown")))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<h4>{esc(row["name"])}</h4><table class="siting-popup"><tbody>{body}'


def _base_popup(base: pd.Series, sol: Solution, plan_bases: set[str]) -> str:
    rows = [("Site", esc(base["id"])), ("District", esc(base.get("district", "")))]
    for col, label, digits in BASE_FIGURES:
        if col in base.index:
            text = f"{label} ({num(sol.minutes)} min)" if col == "need_within_reach" else label
            rows.append((text, num(base[col], digits=digits)))
    known = {c for c, _, _ in BASE_FIGURES} | _NOT_FIGURES
    for col in base.index:
        value = base[col]
        if col in known or not isinstance(value, int | float | np.number) or isinstance(value, bool | np.bool_):
            continue
        name = str(col)
        label = esc(name.removesuffix("_gbp").replace("_", " ").capitalize())
        if name.endswith("_gbp"):
            rows.append((label, esc(gbp(value, missing="–"))))
        else:
            rows.append((label, num(value, digits=0 if abs(float(value)) >= 100 else 1)))
    if plan_bases:
        rows.append(("In the plan in hand", "yes" if base["id"] in plan_bases else "no"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (f'<h4>{esc(base["name"])}</h4><div class="tag">Kept as a base</div>'
            f'<table class="siting-popup"><tbody>{body}</tbody></table>')


def _site_popup(site: pd.Series, status: str, plan_bases: set[str]) -> str:
    kind = {"building": "building", "outreach_only": "outreach venue (cannot be a base)"}.get(
        str(site.get("kind", "")), str(site.get("kind", "")))
    rows = [("Site", esc(site["id"])), ("District", esc(site.get("district", ""))), ("Kind", esc(kind))]
    if plan_bases:
        rows.append(("In the plan in hand", "yes" if site["id"] in plan_bases else "no"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (f'<h4>{esc(site["name"])}</h4><div class="tag">{esc(status)}</div>'
            f'<table class="siting-popup"><tbody>{body}</tbody></table>')


def _swatch_list(colours: Sequence[str], labels: Sequence[str]) -> str:
    items = "".join(f'<li><span class="swatch" style="background:{c}"></span>{lab}</li>'
                    for c, lab in zip(colours, labels, strict=False))
    return f"<ul>{items}</ul>"


def _legend(*, title: str, need_breaks: list[float], minutes_values: list[float], plan_name: str | None,
            undrawn: int) -> str:
    """The legend's HTML (escaped): title, one section per colour mode (shown by siting.js), symbols."""
    need_labels = styles.class_labels(need_breaks, digits=0)
    parts = [f'<div class="lg-title">{esc(title)}</div><div class="lg-headline" data-headline></div>',
             '<div data-mode="need"><h5>Need per area</h5>'
             + _swatch_list(styles.NEED_COLOURS[:len(need_labels)], need_labels)
             + '<div class="note">children aged 0–4 × need weight</div></div>',
             '<div data-mode="catchment"><h5>Nearest base</h5><ul data-catchments></ul>'
             '<div class="note">touching catchments have different colours</div></div>']
    for m in minutes_values:
        labels = styles.class_labels(styles.minutes_breaks(m), unit=" min")
        labels[-1] += " or unreachable"
        parts.append(f'<div data-mode="minutes" data-minutes="{m:g}"><h5>Minutes to the nearest base</h5>'
                     + _swatch_list(styles.MINUTES_COLOURS, labels) + "</div>")
    symbols = [
        f'<li><span class="sym">{styles.KEPT_SVG}</span>Kept base</li>',
        f'<li><span class="sym">{styles.CLOSED_SVG}</span>Closed site</li>',
    ]
    if plan_name is not None:
        symbols.append(f'<li><span class="sym">{styles.PLAN_SVG}</span>Base in the plan in hand '
                       f'({esc(plan_name)})</li>')
    for m in minutes_values:
        symbols.append(f'<li data-minutes-only="{m:g}"><span class="line" style="border-top:2.5px dashed '
                       f'{styles.UNCOVERED_COLOUR}"></span>Need beyond {m:g} min</li>')
    symbols.append(f'<li><span class="line" style="border-top:2px solid {styles.DISTRICT_COLOUR}"></span>'
                   "District boundary</li>")
    parts.append("<h5>Symbols</h5><ul>" + "".join(symbols) + "</ul>")
    if undrawn:
        parts.append(f'<div class="note">{undrawn} areas have no boundary and are not drawn</div>')
    return "".join(parts)


def _finite_or_none(values: np.ndarray, digits: int) -> list[float | None]:
    return [round(float(v), digits) if math.isfinite(v) else None for v in values]


def _site_table(solutions: Sequence[Solution], plan_bases: set[str]) -> pd.DataFrame:
    """Every site of any solution (candidates and kept bases), once: ``id, name, district, kind, lon, lat``."""
    frames = [sol.sites for sol in solutions] + [sol.bases for sol in solutions]
    cols = ["id", "name", "district", "kind", "lon", "lat"]
    table = pd.concat([f.reindex(columns=cols) for f in frames], ignore_index=True)
    table = table.drop_duplicates("id").reset_index(drop=True)
    table["kind"] = table["kind"].fillna("")
    table["district"] = table["district"].fillna("")
    return table


def _closed_status(site: pd.Series) -> str:
    if str(site.get("kind", "")) == "outreach_only":
        return "Not a base: an outreach venue"
    return "Closed in this solution"


def _solution_data(sol: Solution, ids: list[str], pairs: np.ndarray, site_index: dict[str, int],
                   plan_bases: set[str]) -> dict[str, Any]:
    a = sol.areas.set_index("id").reindex(ids)
    base_ids = sol.bases["id"].tolist()
    index = {b: k for k, b in enumerate(base_ids)}
    area_base = [None if not isinstance(b, str) else b for b in a["base_id"].tolist()]
    colours = geometry.catchment_colours(area_base, pairs, styles.CATCHMENT_PALETTE)
    minutes = a["base_minutes"].to_numpy(dtype=np.float64)
    return {
        "minutes": float(sol.minutes),
        "baseLabels": [f"{esc(n)} ({esc(b)})" for b, n in zip(base_ids, sol.bases["name"], strict=True)],
        "baseColours": [colours.get(b, styles.NO_BASE_COLOUR) for b in base_ids],
        "areaBase": [index.get(b, -1) if b is not None else -1 for b in area_base],
        "areaMinutes": _finite_or_none(np.where(np.isnan(minutes), np.inf, minutes), 1),
        "areaCovered": [1 if isinstance(c, bool | np.bool_) and c else 0 for c in a["covered"].tolist()],
        "headline": solution_headline(sol),
        "kept": [site_index[b] for b in base_ids],
        "keptPopups": [_base_popup(base, sol, plan_bases) for _, base in sol.bases.iterrows()],
    }


def _plan(solutions: Sequence[Solution]) -> tuple[str | None, list[str]]:
    plan = solutions[0].plan_in_hand
    if plan is None:
        return None, []
    return str(plan.get("name", "plan in hand")), [str(b) for b in plan.get("bases", [])]


def build_map(solutions: Sequence[Solution], boundaries: gpd.GeoDataFrame | None, *, title: str,
              tiles: str | None = None, initial: int = 0, mode: str = "need", figure: Figure | None = None,
              height: str = "100%", tolerance_m: float = geometry.TOLERANCE_M) -> MapLayers:
    """Build the map of ``solutions`` (one for a plain map, several for a sweep report).

    Args:
        solutions: the solutions; the first one's areas define the polygons drawn.
        boundaries: area polygons with an ``id`` column (``None``: draw area points as discs).
        title: the legend title (escaped here).
        tiles: ``None`` (no tiles: works offline) or a key of :data:`TILES`.
        initial: the solution shown first.
        mode: the colour mode shown first (a key of :data:`MODES`).
        figure: the page to put the map in (a new one by default).
        height: CSS height of the map.
        tolerance_m: simplification tolerance of the polygons, metres.
    """
    if not solutions:
        raise ValueError("no solution to map")
    if tiles is not None and tiles not in TILES:
        raise ValueError(f"unknown tiles {tiles!r}; choose from {', '.join(TILES)}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    if not 0 <= initial < len(solutions):
        raise ValueError(f"initial solution {initial} out of range (0 to {len(solutions) - 1})")
    first = solutions[0]
    areas = first.areas.reset_index(drop=True)
    if boundaries is None:
        boundaries = gpd.GeoDataFrame({"id": []}, geometry=[], crs=WGS84)
    geo, undrawn = geometry.display_areas(boundaries, areas["id"].tolist(), points=first.area_points,
                                          tolerance_m=tolerance_m)
    if geo.empty:
        raise InputError("no area can be drawn: no boundary or point matches the areas' ids",
                         source=str(first.folder / "areas.csv"), field="id")
    drawn = areas.set_index("id").loc[geo["id"]].reset_index()
    ids = drawn["id"].tolist()
    pairs = geometry.neighbours(geo)
    need_breaks = styles.nice_breaks(drawn["weight"])
    need_cls = styles.classify(drawn["weight"], need_breaks)
    plan_name, plan_bases = _plan(solutions)
    plan_set = set(plan_bases)

    figure = figure if figure is not None else Figure(title=esc(title))
    (s, w), (n, e) = geometry.bounds(geo)
    fmap = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=9, tiles=None, control_scale=True,
                      prefer_canvas=False, height=height, zoom_snap=0.25)
    figure.add_child(fmap)
    allowed: tuple[str, ...] = ()
    if tiles is not None:
        url, attribution, label = TILES[tiles]
        folium.TileLayer(url, attr=attribution, name=label, overlay=True, control=True, show=True,
                         max_zoom=19).add_to(fmap)
        allowed = (url.split("{", 1)[0], "https://www.openstreetmap.org/copyright")
    folium.map.CustomPane("siting-areas", z_index=410, pointer_events=True).add_to(fmap)
    folium.map.CustomPane("siting-uncovered", z_index=420, pointer_events=False).add_to(fmap)
    folium.map.CustomPane("siting-districts", z_index=430, pointer_events=False).add_to(fmap)

    modes = {key: folium.FeatureGroup(name=label, overlay=False, control=True, show=(key == mode))
             for key, label in MODES.items()}
    for layer in modes.values():
        layer.add_to(fmap)

    props = [{"i": k, "t": esc(row["name"]), "p": _area_head(row)} for k, row in drawn.iterrows()]
    fill_opacity = styles.FILL_OPACITY_TILES if tiles else styles.FILL_OPACITY
    need_colour = {i: styles.NEED_COLOURS[c] for i, c in enumerate(need_cls)}
    areas_layer = folium.GeoJson(
        geometry.feature_collection(geo, props), name="Areas", control=False, pane="siting-areas",
        style_function=lambda f: {"fillColor": need_colour[f["properties"]["i"]], "fillOpacity": fill_opacity,
                                  "color": styles.AREA_EDGE, "weight": 0.5, "opacity": 0.7},
    )
    areas_layer.add_to(fmap)

    limits = sorted({s.minutes for s in solutions})
    beyond = f"{limits[0]:g}" if len(limits) == 1 else "the limit"
    uncovered = folium.FeatureGroup(name=f"Need beyond {beyond} min (outlined)", overlay=True, show=True)
    uncovered.add_to(fmap)

    outlines = geometry.district_outlines(geo, drawn["district"].tolist())
    if len(outlines):
        folium.GeoJson(
            geometry.feature_collection(outlines, [{} for _ in range(len(outlines))]), name="District outlines",
            pane="siting-districts", interactive=False,
            style_function=lambda f: {"fill": False, "color": styles.DISTRICT_COLOUR, "weight": 2, "opacity": 0.85},
        ).add_to(fmap)

    # Kept bases and closed sites: siting.js draws each solution's markers into these two layers
    # from the site table below (one entry per site, not one marker per site and solution).
    kept = folium.FeatureGroup(name="Kept bases", overlay=True, show=True)
    closed = folium.FeatureGroup(name="Closed sites", overlay=True, show=True)
    kept.add_to(fmap)
    closed.add_to(fmap)
    site_table = _site_table(solutions, plan_set)
    site_index = {sid: k for k, sid in enumerate(site_table["id"])}

    sites = first.sites.set_index("id")
    plan_here = [b for b in plan_bases if b in sites.index]
    if plan_name is not None and plan_here:
        pg = folium.FeatureGroup(name=f"Plan in hand: {esc(plan_name)}", overlay=True, show=False).add_to(fmap)
        for b in plan_here:
            site = cast(pd.Series, sites.loc[b]).copy()
            site["id"] = b
            site_marker(float(site["lat"]), float(site["lon"]), kind="plan",
                        popup_html=_site_popup(site, f"Base in the plan in hand ({plan_name})", plan_set),
                        tooltip_html=f"{esc(site['name'])} · plan in hand").add_to(pg)

    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    # Keep the area clear of the layer control and the legend on the right.
    fmap.fit_bounds([[s, w], [n, e]], padding_top_left=(10, 10), padding_bottom_right=(LEGEND_WIDTH_PX + 20, 10))

    provenance = str(first.summary.get("provenance", ""))
    data = {
        "initial": initial, "mode": mode,
        "fillOpacity": fill_opacity, "edge": {"color": styles.AREA_EDGE, "weight": 0.5, "opacity": 0.7},
        "need": {"colours": list(styles.NEED_COLOURS), "cls": need_cls},
        "minutesColours": list(styles.MINUTES_COLOURS), "minutesFactors": list(styles.MINUTES_FACTORS),
        "noBaseColour": styles.NO_BASE_COLOUR,
        "uncoveredStyle": {"pane": "siting-uncovered", "interactive": False, "fill": False,
                           "color": styles.UNCOVERED_COLOUR, "weight": 2.2, "opacity": 0.95, "dashArray": "5 3"},
        "weight": [float(x) for x in drawn["weight"]],
        "sites": [{"lat": round(float(r["lat"]), 6), "lon": round(float(r["lon"]), 6), "tip": esc(r["name"]),
                   "closedPopup": _site_popup(r, _closed_status(r), plan_set)} for _, r in site_table.iterrows()],
        "icons": {kind: {"html": svg, "size": size, "z": z} for kind, svg, size, z in (
            ("kept", styles.KEPT_SVG, styles.KEPT_SIZE_PX, 1000),
            ("closed", styles.CLOSED_SVG, styles.CLOSED_SIZE_PX, 0))},
        "solutions": [_solution_data(sol, ids, pairs, site_index, plan_set) for sol in solutions],
        "legendHtml": _legend(title=title, need_breaks=need_breaks, minutes_values=limits, plan_name=plan_name,
                              undrawn=len(undrawn)),
        "attribution": esc(provenance),
    }
    view = SitingView(areas=areas_layer, uncovered=uncovered, modes=modes, kept=kept, closed=closed,
                      data_json=script_json(data))
    fmap.add_child(view)
    return MapLayers(fmap, figure, allowed)


def default_title(sol: Solution) -> str:
    """A map title from a solution's summary: case, model and number of bases."""
    case = sol.case or "scenario"
    return f"{case.capitalize()}: {sol.model or 'solution'}, {sol.n_bases} bases"


def coverage_map_html(solution: Solution, boundaries: gpd.GeoDataFrame | None, *, tiles: str | None = None,
                      title: str | None = None, mode: str = "need") -> str:
    """The self-contained HTML page of one solution's coverage map (see the module docstring)."""
    title = title or default_title(solution)
    parts = build_map([solution], boundaries, title=title, tiles=tiles, mode=mode)
    make_offline(parts.figure)
    return render_offline(parts.figure, allowed=parts.tiles_allowed)

"""Folium elements that are safe with hostile text and need nothing from a CDN.

Why not folium's own: ``folium.Popup`` builds its content with jQuery inside a JavaScript template
literal (``$(`...`)``) and ``folium.Tooltip`` also writes its text into a template literal, so a
name containing a backtick or ``${...}`` would run as code even after HTML escaping, and the popup
needs jQuery from a CDN. :class:`SafePopup` and :class:`SafeTooltip` pass already-escaped HTML as a
JSON string (``tojson`` escapes ``<``, ``>``, ``&`` and ``'``) to Leaflet's ``bindPopup`` /
``bindTooltip``. Markers are ``L.divIcon`` with inline SVG (no icon font, no marker image).
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template

from maps import styles


class SafePopup(MacroElement):
    """A popup on the parent layer from HTML that the caller has already escaped (:func:`maps.html.esc`)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
    """)

    def __init__(self, html: str, *, max_width_px: int = 340) -> None:
        super().__init__()
        self._name = "SafePopup"
        self.html = html
        self.options = {"maxWidth": max_width_px}


class SafeTooltip(MacroElement):
    """A tooltip on the parent layer from already-escaped HTML."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip({{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
    """)

    def __init__(self, html: str, *, sticky: bool = False, direction: str = "top") -> None:
        super().__init__()
        self._name = "SafeTooltip"
        self.html = html
        self.options = {"sticky": sticky, "direction": direction, "offset": [0, -8]}


def site_marker(lat: float, lon: float, *, kind: str, popup_html: str, tooltip_html: str) -> folium.Marker:
    """A site marker: ``kind`` is ``kept`` (a base), ``closed`` or ``plan`` (a base of the plan in hand).

    The icon is a ``div`` with class ``siting-site siting-<kind>`` holding an inline SVG symbol.
    """
    svg, size, z = {
        "kept": (styles.KEPT_SVG, styles.KEPT_SIZE_PX, 1000),
        "closed": (styles.CLOSED_SVG, styles.CLOSED_SIZE_PX, 0),
        "plan": (styles.PLAN_SVG, styles.PLAN_SIZE_PX, 500),
    }[kind]
    icon = folium.DivIcon(html=svg, icon_size=(size, size), icon_anchor=(size // 2, size // 2),
                          class_name=f"siting-site siting-{kind}")
    marker = folium.Marker([lat, lon], icon=icon, z_index_offset=z, keyboard=False)
    marker.add_child(SafePopup(popup_html))
    marker.add_child(SafeTooltip(tooltip_html))
    return marker


class SitingView(MacroElement):
    """Wires the map to ``maps/assets/siting.js``: colour modes, solutions, uncovered outlines, legend.

    Added to the map after every other element, so the layers it names exist when its script runs.
    The view is exposed to the page as ``window.sitingView`` (``show(k)``, ``setMode(name)``).
    ``data_json`` is the view's data, already serialised by :func:`maps.html.script_json`.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            window.sitingView = sitingMap({
                map: {{ this._parent.get_name() }},
                areas: {{ this.areas.get_name() }},
                uncovered: {{ this.uncovered.get_name() }},
                modes: { {%- for name, layer in this.modes.items() %}{{ name|tojson }}: {{ layer.get_name() }},
                         {%- endfor %} },
                kept: {{ this.kept.get_name() }},
                closed: {{ this.closed.get_name() }},
                data: {{ this.data_json }}
            });
        {% endmacro %}
    """)

    def __init__(self, *, areas: folium.GeoJson, uncovered: folium.FeatureGroup,
                 modes: dict[str, folium.FeatureGroup], kept: folium.FeatureGroup, closed: folium.FeatureGroup,
                 data_json: str) -> None:
        super().__init__()
        self._name = "SitingView"
        self.areas = areas
        self.uncovered = uncovered
        self.modes = modes
        self.kept = kept
        self.closed = closed
        self.data_json = data_json

"""Offline pages: Leaflet inlined, no CDN link, no external address left (checked by regex)."""

from __future__ import annotations

import folium
import pytest
from branca.element import Figure
from map_testdata import addresses

from maps import offline
from maps.elements import SafePopup


def test_plain_folium_page_has_cdn_links() -> None:
    page = folium.Map(tiles=None).get_root().render()
    assert addresses(page), "the check must notice folium's CDN links"
    assert offline.external_urls(page)


def test_make_offline_removes_every_link_and_inlines_leaflet() -> None:
    m = folium.Map(tiles=None, control_scale=True)
    marker = folium.CircleMarker([52.6, 1.0], radius=5)
    marker.add_child(SafePopup("<b>x</b>"))
    marker.add_to(m)
    folium.LayerControl().add_to(m)
    fig = m.get_root()
    assert isinstance(fig, Figure)
    page = offline.render_offline(offline.make_offline(fig))
    assert "<script src" not in page and "<link" not in page
    assert addresses(page) == set()
    assert offline.leaflet_js()[:200] in page
    assert "L.control.scale()" in page


def test_leaflet_css_images_are_data_uris() -> None:
    css = offline.leaflet_css()
    assert "url(images/" not in css
    assert css.count("url(data:image/png;base64,") == 3


def test_inlined_code_cannot_close_its_script_element() -> None:
    for code in (offline.leaflet_js(), offline.siting_js()):
        assert "</script" not in code.lower()
        assert "sourceMappingURL" not in code


def test_plugins_needing_a_cdn_are_refused() -> None:
    from folium.plugins import Fullscreen

    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(ValueError, match="not available offline"):
        offline.make_offline(m.get_root())  # type: ignore[arg-type]


def test_folium_popup_is_refused_because_it_needs_jquery() -> None:
    m = folium.Map(tiles=None)
    folium.CircleMarker([52.6, 1.0], popup="x").add_to(m)
    with pytest.raises(ValueError, match="jQuery"):
        offline.make_offline(m.get_root())  # type: ignore[arg-type]


def test_render_offline_refuses_a_page_with_an_address() -> None:
    m = folium.Map(tiles=None)
    folium.TileLayer("https://tiles.example.org/{z}/{x}/{y}.png", attr="x").add_to(m)
    fig = offline.make_offline(m.get_root())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"tiles\.example\.org"):
        offline.render_offline(fig)
    assert offline.render_offline(fig, allowed=("https://tiles.example.org/",))

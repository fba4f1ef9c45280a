"""Self-contained pages: Leaflet and our own script and style inlined, no CDN link left.

Folium writes ``<script src="https://cdn...">`` and ``<link href="https://cdn...">`` tags for
Leaflet, jQuery, Bootstrap and Font Awesome. A map that goes out by e-mail must open offline,
so :func:`make_offline` removes every such link from a figure and inlines the assets the page
actually uses instead: Leaflet's JavaScript and CSS (from ``xstatic-leaflet``, with the CSS images
as ``data:`` URIs) and the project's ``maps/assets/siting.js`` and ``siting.css``. Nothing else is
needed because the maps use plain Leaflet only (no jQuery popups, no icon fonts: see
:mod:`maps.elements`).

:func:`external_urls` finds any address left in a rendered page outside the vendored Leaflet
code; :func:`render_offline` refuses to return a page that has one (except tile addresses the
caller asked for).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Collection, Iterator
from functools import lru_cache
from pathlib import Path

from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from folium.map import Popup

#: Folium's resource names that the inlined assets replace (anything else is refused).
REPLACED_JS = frozenset({"leaflet", "jquery", "bootstrap", "awesome_markers"})
REPLACED_CSS = frozenset({
    "leaflet_css", "bootstrap_css", "glyphicons_css", "awesome_markers_font_css", "awesome_markers_css",
    "awesome_rotate_css",
})
#: XML namespace names are identifiers, never fetched.
NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/1999/xhtml")
_URL = re.compile(r"""(?:\b(?:https?|ftp|wss?):)?//[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}[^\s"'<>)`\\]*""")
_SOURCE_MAP = re.compile(r"^\s*//[#@]\s*sourceMappingURL=.*$", re.MULTILINE)


def assets_dir() -> Path:
    """The package's own assets (``siting.js``, ``siting.css``)."""
    return Path(__file__).resolve().parent / "assets"


def _leaflet_dir() -> Path:
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


def _script_safe(code: str) -> str:
    """JavaScript safe to place between ``<script>`` tags (no ``</script``, no source-map fetch)."""
    code = _SOURCE_MAP.sub("", code)
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def _style_safe(css: str) -> str:
    css = re.sub(r"/\*#\s*sourceMappingURL=.*?\*/", "", css)
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, ready to inline."""
    return _script_safe((_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's CSS with its images (layer-control icon, default marker) inlined as ``data:`` URIs."""
    folder = _leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        ref = match.group(1).strip("'\"")
        path = folder / ref
        if ref.startswith(("#", "data:")) or not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _style_safe(re.sub(r"url\(([^)]*)\)", inline, css))


@lru_cache(maxsize=1)
def siting_js() -> str:
    """The project's map script (mode switching, solution switching, legend)."""
    return _script_safe((assets_dir() / "siting.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def siting_css() -> str:
    """The project's page and map styles."""
    return _style_safe((assets_dir() / "siting.css").read_text(encoding="utf-8"))


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def make_offline(figure: Figure) -> Figure:
    """Drop every CDN link folium would write into ``figure`` and inline Leaflet and our assets.

    Raises:
        ValueError: an element needs a resource that is not available offline (a folium plugin, or
            ``folium.Popup``, which needs jQuery).
    """
    for element in _walk(figure):
        if isinstance(element, Popup):
            raise ValueError("folium.Popup builds its content with jQuery (not inlined); use maps.elements.SafePopup")
        if isinstance(element, JSCSSMixin):
            unknown = [name for name, _ in element.default_js if name not in REPLACED_JS]
            unknown += [name for name, _ in element.default_css if name not in REPLACED_CSS]
            if unknown:
                raise ValueError(f"{type(element).__name__} needs resources not available offline: "
                                 f"{', '.join(unknown)}")
            element.default_js = []
            element.default_css = []
    header = figure.header
    header.add_child(Element(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
    header.add_child(Element(f"<style>{siting_css()}</style>"), name="siting_css")
    header.add_child(Element(f"<script>{leaflet_js()}</script>"), name="leaflet")
    header.add_child(Element(f"<script>{siting_js()}</script>"), name="siting_js")
    return figure


def external_urls(page: str, *, allowed: Collection[str] = ()) -> list[str]:
    """Addresses in ``page`` outside the vendored Leaflet code (XML namespaces and ``allowed`` excepted).

    ``allowed`` holds prefixes that may appear (for example a tile server the user asked for).
    """
    text = page.replace(leaflet_js(), "").replace(leaflet_css(), "")
    found = []
    for match in _URL.finditer(text):
        url = match.group(0)
        if url.startswith(NAMESPACES) or any(url.startswith(a) for a in allowed):
            continue
        found.append(url)
    return found


def render_offline(figure: Figure, *, allowed: Collection[str] = ()) -> str:
    """Render ``figure`` (already passed through :func:`make_offline`) and check nothing is fetched.

    Raises:
        ValueError: the page still refers to an external address.
    """
    page = figure.render()
    left = external_urls(page, allowed=allowed)
    if left:
        raise ValueError(f"page is not self-contained; external addresses: {', '.join(sorted(set(left))[:5])}")
    return page

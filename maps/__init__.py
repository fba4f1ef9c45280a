"""Maps, plots and reports of siting results: Folium/Leaflet pages that open offline from one file.

* :mod:`maps.results` reads result folders (``siting solve --out``) and sweep folders (``siting sweep``).
* :mod:`maps.coverage_map` the coverage map (need, catchments, minutes; bases; uncovered need).
* :mod:`maps.report` the scenario report of a sweep (slider over solutions, curves, tables).
* :mod:`maps.curves`, :mod:`maps.charts`, :mod:`maps.plots` trade-off curves: data, inline SVG, PNG.
* :mod:`maps.geometry` display geometry (simplified LSOAs, districts, catchment colouring).
* :mod:`maps.offline` inlining Leaflet and our assets; no CDN, no external address left.
* :mod:`maps.elements` XSS-safe popups/tooltips and SVG markers; :mod:`maps.html` escaping.
* :mod:`maps.styles` colours, classes and marker symbols.

Layering: ``maps`` uses :mod:`siting` (and may use :mod:`solvers`), never :mod:`scenarios`.
"""

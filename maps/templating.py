"""Jinja2 for pages: one autoescaping environment over ``maps/templates`` and the number filters.

Every value a template prints is escaped unless it is :class:`markupsafe.Markup` (already-built
fragments such as an inline SVG chart). The filters return plain text, so a name passed through
them is escaped by the template like any other value.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from maps.html import is_missing, num_text, pct_text
from siting.formatting import gap_percent, gbp


def templates_dir() -> Path:
    """The package's Jinja2 templates."""
    return Path(__file__).resolve().parent / "templates"


#: Number filters for templates (plain text: the template escapes it). One definition, in :mod:`maps.html`.
fnum = num_text
fpct = pct_text


def label(key: object) -> str:
    """``frontline_delivery`` -> ``frontline delivery``."""
    return str(key).replace("_", " ")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The autoescaping environment (undefined names are errors, not empty strings)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             extensions=["jinja2.ext.do"])
    env.filters.update(num=fnum, pct=fpct, label=label, gap=gap_percent, gbp=gbp)
    env.tests.update(missing=is_missing)
    return env

"""Jinja2 (autoescaped) rendering of the packs, plotly.js embedded once, atomic writes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipelines.lib.outputs import TEMPLATES, write_atomic_text


@cache
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@cache
def plotly_js() -> str:
    import plotly.offline

    # "</script" cannot occur inside the inline <script>; escape it defensively.
    return plotly.offline.get_plotlyjs().replace("</script", "<\\/script")


def render_template(name: str, ctx: dict[str, Any], plotly: bool = False) -> str:
    extra = {"plotly_js": Markup(plotly_js()) if plotly else None}
    return _env().get_template(name).render(**ctx, **extra)


def write_text(text: str, path: Path) -> None:
    write_atomic_text(text, path)

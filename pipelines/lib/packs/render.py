"""Rendering of the packs through the one Jinja2 environment (pipelines/lib/templating.py, autoescaped),
plotly.js embedded once, atomic writes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipelines.lib.outputs import write_atomic_text
from pipelines.lib.templating import render


@cache
def plotly_js() -> str:
    import plotly.offline

    # "</script" cannot occur inside the inline <script>; escape it defensively.
    return plotly.offline.get_plotlyjs().replace("</script", "<\\/script")


def render_template(name: str, ctx: dict[str, Any], plotly: bool = False) -> str:
    extra = {"plotly_js": Markup(plotly_js()) if plotly else None}
    return render(name, **ctx, **extra)


def write_text(text: str, path: Path) -> None:
    write_atomic_text(text, path)

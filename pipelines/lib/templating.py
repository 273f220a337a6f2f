"""The one Jinja2 environment of the project (packs, data-quality page): HTML autoescaped, undefined names an
error (a typo in a template fails the render instead of printing nothing), templates from dashboards/templates.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipelines.lib.paths import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "dashboards" / "templates"


@cache
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(name: str, **ctx: Any) -> str:
    return environment().get_template(name).render(**ctx)

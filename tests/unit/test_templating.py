"""The one Jinja2 environment (pipelines/lib/templating.py): autoescape on, for packs and the data-quality page."""

from __future__ import annotations

import pytest


def test_there_is_one_environment_and_it_escapes_html():
    from jinja2 import UndefinedError

    from pipelines.lib import templating
    from pipelines.lib.packs import render as pack_render

    env = templating.environment()
    assert env is templating.environment()  # cached: one environment
    assert env.autoescape("ocg_pack.html") is True and env.autoescape("data_quality.html") is True
    t = env.from_string("{{ x }}")
    assert t.render(x="<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    # the packs render through it
    assert pack_render.render is templating.render
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing.name }}").render()


def test_no_other_jinja_environment_in_the_code():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "pipelines"
    makers = [p.relative_to(root).as_posix() for p in root.rglob("*.py") if "Environment(" in p.read_text()]
    assert makers == ["lib/templating.py"]

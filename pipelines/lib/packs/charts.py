"""Plotly charts for the packs: stable div ids, no plotly.js (embedded once per file), no external links.

The y-axis rule (`axis_range`), so a one-point wobble never looks like a cliff:
    - a proportion (percent of a cohort, 0-100): the whole 0-100 scale, unless everything drawn (values,
      in-month values, target, tolerance edge, baseline, reference lines) spans less than 40 points; then a
      window of at least 20 points (the span plus a tenth either side, if wider) centred on it, moved inside
      0-100 and widened to whole multiples of 5.
    - anything else (days, counts, rates, ratios, a budget variance): the axis starts at 0 (values all above
      0) or ends at 0 (all below), or spans both; a fifteenth of the range is added beyond the values, so a
      change is read against the distance from zero, never against its own size alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from markupsafe import Markup

CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False, "staticPlot": False}
PROPORTION_FULL_SPAN = 40.0
PROPORTION_MIN_WINDOW = 20.0
CHART_HEIGHT = 175  # px: two KPI pages to an A4 sheet


def _html(fig, div_id: str, height: int = 320) -> Markup:
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=CONFIG,
                              default_width="100%", default_height=f"{height}px"))


def axis_range(values: Iterable[float | None], proportion: bool) -> tuple[float, float]:
    """The y-axis range for the values drawn (rule in the module docstring)."""
    xs = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if proportion:
        if not xs:
            return 0.0, 100.0
        lo, hi = max(0.0, min(xs)), min(100.0, max(xs))
        span = hi - lo
        if span >= PROPORTION_FULL_SPAN:
            return 0.0, 100.0
        width = max(PROPORTION_MIN_WINDOW, span * 1.2)
        a = (lo + hi) / 2 - width / 2
        a = min(max(a, 0.0), 100.0 - width)
        b = a + width
        a, b = math.floor(a / 5 + 1e-9) * 5.0, math.ceil(b / 5 - 1e-9) * 5.0
        return max(a, 0.0), min(b, 100.0)
    if not xs:
        return 0.0, 1.0
    lo, hi = min(min(xs), 0.0), max(max(xs), 0.0)
    if hi == lo:  # everything is 0
        return 0.0, 1.0
    pad = (hi - lo) / 15
    return (lo - pad if lo < 0 else 0.0), (hi + pad if hi > 0 else 0.0)


def trend_caption(card, trend: list[dict]) -> str:
    pts = [t for t in trend if t["value"] is not None]
    tgt = trend[-1]["target_text"]
    if not pts:
        return f"No publishable value in the 13 months to {trend[-1]['label']} (target: {tgt})."
    first, last = pts[0], pts[-1]
    sup = sum(t["suppressed"] for t in trend)
    text = (f"{card.id} {card.title}: {first['value_text']} in {first['label']}, {last['value_text']} in "
            f"{last['label']}; target {tgt}.")
    if sup:
        text += f" {sup} month(s) suppressed (small numbers) and not plotted."
    return text


def _hline(go, x: list[str], y: float, name: str, color: str, dash: str):
    return go.Scatter(x=x, y=[y] * len(x), mode="lines", name=name, hoverinfo="skip",
                      line={"color": color, "dash": dash, "width": 1.5})


def trend_chart(card, trend: list[dict], basis_label: str, references: list[dict] | None = None,
                baseline: float | None = None, proportion: bool = True) -> Markup:
    """The headline over 13 months with the in-month series beside it (when the card has one), the target and
    tolerance band, the 2019/20 baseline and reference lines (statistical neighbours, England)."""
    import plotly.graph_objects as go

    x = [t["short"] for t in trend]
    fig = go.Figure()
    drawn: list[float | None] = []
    if any(t["band_low"] is not None for t in trend):
        fig.add_trace(go.Scatter(x=x, y=[t["band_low"] for t in trend], mode="lines", line={"width": 0},
                                 hoverinfo="skip", showlegend=False, name="band low"))
        fig.add_trace(go.Scatter(x=x, y=[t["band_high"] for t in trend], mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor="rgba(230,159,0,0.25)", name="Tolerance (Amber)"))
        fig.add_trace(go.Scatter(x=x, y=[t["target"] for t in trend], mode="lines", name="Target",
                                 line={"color": "#000000", "dash": "dash", "width": 2}))
        drawn += [t["band_low"] for t in trend] + [t["band_high"] for t in trend]
    if baseline is not None:
        fig.add_trace(_hline(go, x, baseline, "2019/20 baseline", "#7a3e9d", "dot"))
        drawn.append(baseline)
    for ref in references or []:
        fig.add_trace(_hline(go, x, ref["value"], ref["label"], ref["color"], ref["dash"]))
        drawn.append(ref["value"])
    if any(t.get("month_value") is not None for t in trend):
        fig.add_trace(go.Scatter(x=x, y=[t.get("month_value") for t in trend], mode="lines+markers",
                                 name="In month", line={"color": "#5b9bd5", "width": 1.5},
                                 marker={"size": 6, "symbol": "diamond-open"},
                                 text=[t.get("month_text") for t in trend],
                                 hovertemplate="%{x}: %{text} in month<extra></extra>"))
        drawn += [t.get("month_value") for t in trend]
    fig.add_trace(go.Scatter(x=x, y=[t["value"] for t in trend], mode="lines+markers",
                             name=f"{card.id} ({basis_label})", line={"color": "#0b4f8a", "width": 3},
                             marker={"size": 7, "symbol": "circle"}, text=[t["value_text"] for t in trend],
                             hovertemplate="%{x}: %{text}<extra></extra>"))
    drawn += [t["value"] for t in trend]
    y0, y1 = axis_range(drawn, proportion)
    fig.update_layout(template="none", margin={"l": 44, "r": 6, "t": 6, "b": 22}, height=CHART_HEIGHT,
                      legend={"orientation": "v", "x": 1.01, "y": 1, "font": {"size": 9}},
                      yaxis={"title": {"text": card.unit}, "range": [y0, y1], "fixedrange": True},
                      xaxis={"type": "category", "fixedrange": True, "tickfont": {"size": 10}},
                      paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", font={"size": 11})
    return _html(fig, f"{card.id.lower()}-trend", CHART_HEIGHT)

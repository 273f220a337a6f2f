"""Plotly charts for the packs: stable div ids, no plotly.js (embedded once per file), no external links."""

from __future__ import annotations

from markupsafe import Markup

CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


def _html(fig, div_id: str) -> Markup:
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=CONFIG,
                              default_width="100%", default_height="320px"))


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


def trend_chart(card, trend: list[dict]) -> Markup:
    import plotly.graph_objects as go

    x = [t["label"] for t in trend]
    fig = go.Figure()
    if any(t["band_low"] is not None for t in trend):
        fig.add_trace(go.Scatter(x=x, y=[t["band_low"] for t in trend], mode="lines", line={"width": 0},
                                 hoverinfo="skip", showlegend=False, name="band low"))
        fig.add_trace(go.Scatter(x=x, y=[t["band_high"] for t in trend], mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor="rgba(230,159,0,0.25)", name="Tolerance band (Amber)"))
        fig.add_trace(go.Scatter(x=x, y=[t["target"] for t in trend], mode="lines", name="Target",
                                 line={"color": "#000000", "dash": "dash", "width": 2}))
    fig.add_trace(go.Scatter(x=x, y=[t["value"] for t in trend], mode="lines+markers", name=card.id,
                             line={"color": "#0b4f8a", "width": 3}, marker={"size": 8, "symbol": "circle"},
                             text=[t["value_text"] for t in trend], hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_layout(template="none", margin={"l": 50, "r": 10, "t": 30, "b": 40}, height=320,
                      title={"text": f"{card.id}: 13-month trend", "font": {"size": 14}},
                      legend={"orientation": "h", "y": -0.2}, yaxis={"title": {"text": card.unit}},
                      xaxis={"type": "category"}, paper_bgcolor="#ffffff", plot_bgcolor="#ffffff")
    return _html(fig, f"{card.id.lower()}-trend")


def comparator_chart(card, comp: dict) -> Markup:
    import plotly.graph_objects as go

    rows = [r for r in comp["rows"] if r["value"] is not None]
    fig = go.Figure(go.Bar(x=[r["value"] for r in rows], y=[r["label"] for r in rows], orientation="h",
                           marker={"color": ["#0b4f8a", "#4a7fb0", "#6b6b6b", "#222222"][: len(rows)]},
                           text=[r["text"] for r in rows], textposition="outside"))
    fig.update_layout(template="none", margin={"l": 330, "r": 40, "t": 30, "b": 30}, height=220,
                      title={"text": f"{card.id}: comparators ({comp['measure']})", "font": {"size": 14}},
                      yaxis={"autorange": "reversed"}, paper_bgcolor="#ffffff", plot_bgcolor="#ffffff")
    return _html(fig, f"{card.id.lower()}-comparators")

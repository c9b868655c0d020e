"""City maps and charts drawn from the city's own area polygons: no tile server, fitted to the
city's bounds.

Plotly's geo choropleth draws the GeoJSON itself (basemap hidden), so the maps work on closed
government networks. Every figure takes the unit of what it shows and suppresses small counts
of people itself (`scenarios.privacy`: not drawn, "<10" in the hover), and every text that
comes from users or data (scenario, area and facility names) is escaped with `plot_text`, since
plotly renders a subset of HTML (bold, links) in titles, legends and hovers.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from scenarios.privacy import (
    DEFAULT_THRESHOLD,
    counts_people,
    drawable,
    is_hidden,
    shown_texts,
    suppress,
)

SEQUENTIAL = "YlGnBu"
DIVERGING = "RdBu"
KIND_SYMBOLS = {
    "hospital": "cross",
    "community_health_centre": "circle",
    "primary_school": "square",
    "middle_school": "diamond",
    "social_insurance_centre": "star",
}


def plot_text(text: object) -> str:
    """Text for a plotly title, legend, axis label or hover, shown as it is (no HTML)."""
    return html.escape(str(text), quote=False)


def _hover_values(values: pd.Series, unit, threshold: int, derived: bool) -> list[str]:
    """Each value as hover text: "<10" where hidden, whole numbers of people."""
    if derived:  # already suppressed by `suppress_difference`: markers stay, numbers are shown
        people = counts_people(unit)
        return [
            v if isinstance(v, str)
            else "—" if v is None or not np.isfinite(float(v))
            else f"{float(v):+,.0f}" if people else f"{float(v):+,.2f}"
            for v in values
        ]  # fmt: skip
    return shown_texts(values, unit, threshold)


def area_map(
    geojson: dict | str,
    areas: pd.DataFrame,
    values: pd.Series,
    title: str,
    colour_title: str,
    unit: object = "",
    threshold: int = DEFAULT_THRESHOLD,
    zrange: tuple[float, float] | None = None,
    colorscale: str = SEQUENTIAL,
    facilities: pd.DataFrame | None = None,
    height: int = 420,
    derived: bool = False,
) -> dict:
    """A choropleth of `values` (indexed by area_id, in `unit`) over the areas, with markers.

    Small counts of people are not drawn and read "<10" in the hover; with `derived`, `values`
    are differences already made consistent by `privacy.suppress_difference` (markers kept).
    `geojson` is the outlines or their URL; `areas` has area_id, name, district; `zrange` fixes
    the colour scale (the same for maps compared side by side). `title` and `colour_title` are
    plain text (escaped here). The figure is a plain dict: plotly's figure objects deep-copy the
    outlines, which costs more than everything else here.
    """
    raw = values.reindex(areas["area_id"])
    if derived:
        colour = pd.to_numeric(raw.where(~raw.map(is_hidden)), errors="coerce").astype(float)
    else:
        colour = drawable(raw, unit, threshold)
    z = colour.to_numpy(float)
    finite = z[np.isfinite(z)]
    if zrange is None:
        zrange = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    shown = _hover_values(raw, unit, threshold, derived)
    hover = [
        f"{plot_text(aid)} {plot_text(n)} ({plot_text(d)})<br>{plot_text(text)}"
        for aid, n, d, text in zip(areas["area_id"], areas["name"], areas["district"], shown,
                                   strict=True)
    ]  # fmt: skip
    data = [
        {
            "type": "choropleth",
            "geojson": geojson,
            "featureidkey": "properties.area_id",
            "locations": list(areas["area_id"]),
            "z": [None if not np.isfinite(v) else round(float(v), 6) for v in z],
            "zmin": zrange[0],
            "zmax": zrange[1],
            "colorscale": colorscale,
            "marker": {"line": {"width": 0.4, "color": "#666"}},
            "colorbar": {"title": {"text": plot_text(colour_title)}, "thickness": 12},
            "text": hover,
            "hoverinfo": "text",
            "name": "",
        }
    ]
    if facilities is not None and len(facilities):
        data.append(facility_markers(facilities))
    return {"data": data, "layout": {**_map_layout(title, height), "uirevision": "keep"}}


def facility_markers(facilities: pd.DataFrame) -> dict:
    """Facilities as red markers (a symbol per kind), named in the hover."""
    return {
        "type": "scattergeo",
        "lon": facilities["lon"].round(6).tolist(),
        "lat": facilities["lat"].round(6).tolist(),
        "text": [f"{plot_text(n)} ({plot_text(f)})"
                 for n, f in zip(facilities["name"], facilities["facility_id"], strict=True)],
        "hoverinfo": "text",
        "mode": "markers",
        "marker": {
            "size": 9,
            "color": "#d62728",
            "line": {"width": 1, "color": "white"},
            "symbol": [KIND_SYMBOLS.get(k, "circle") for k in facilities["kind"]],
        },
        "showlegend": False,
        "name": "",
    }  # fmt: skip


def facility_map(
    geojson: dict | str,
    areas: pd.DataFrame,
    facilities: pd.DataFrame,
    values: pd.Series,
    title: str,
    colour_title: str,
    unit: str = "",
    threshold: int = DEFAULT_THRESHOLD,
    height: int = 420,
) -> dict:
    """Facilities coloured by `values` (indexed by facility_id, in `unit`; small counts of
    people not coloured, "<10" in the hover) over the grey area outlines."""
    placed = facilities.set_index("facility_id").join(values.rename("value"), how="inner")
    outline = {
        "type": "choropleth",
        "geojson": geojson,
        "featureidkey": "properties.area_id",
        "locations": list(areas["area_id"]),
        "z": [0] * len(areas),
        "colorscale": [[0, "#eef2f7"], [1, "#eef2f7"]],
        "showscale": False,
        "marker": {"line": {"width": 0.4, "color": "#9aa5b1"}},
        "text": [f"{plot_text(a)} {plot_text(n)}"
                 for a, n in zip(areas["area_id"], areas["name"], strict=True)],
        "hoverinfo": "text",
        "name": "",
    }  # fmt: skip
    colour = drawable(placed["value"], unit, threshold)
    markers = {
        "type": "scattergeo",
        "lon": placed["lon"].round(6).tolist(),
        "lat": placed["lat"].round(6).tolist(),
        "text": [
            f"{plot_text(n)} ({plot_text(f)})<br>{plot_text(v)}"
            for f, n, v in zip(
                placed.index,
                placed["name"],
                shown_texts(placed["value"], unit, threshold),
                strict=True,
            )
        ],  # fmt: skip
        "hoverinfo": "text",
        "mode": "markers",
        "marker": {
            "size": 12,
            "color": [None if not np.isfinite(v) else float(v) for v in colour],
            "colorscale": SEQUENTIAL,
            "showscale": True,
            "colorbar": {"title": {"text": plot_text(colour_title)}, "thickness": 12},
            "line": {"width": 1, "color": "#333"},
        },
        "showlegend": False,
        "name": "",
    }
    return {"data": [outline, markers], "layout": _map_layout(title, height)}


def bar_trace(labels: list[str], values: pd.Series, name: str, unit: str = "",
              threshold: int = DEFAULT_THRESHOLD) -> dict:  # fmt: skip
    """Bars of `values` (in `unit`): small counts of people not drawn, "<10" on hover."""
    shown = suppress(values.reset_index(drop=True), unit, threshold)
    heights = drawable(values.reset_index(drop=True), unit, threshold)
    return {
        "type": "bar",
        "name": plot_text(name),
        "x": [plot_text(x) for x in labels],
        "y": [None if not np.isfinite(v) else round(float(v), 3) for v in heights],
        "text": [plot_text(v) for v in shown_texts(shown, unit, threshold)],
        "hoverinfo": "x+text+name",
        "textposition": "none",
    }


def with_source_note(figure: dict, note: str) -> dict:
    """The figure with a small line under the map: data attribution and what is assumed."""
    if note:
        figure["layout"]["annotations"] = [*figure["layout"].get("annotations", []), {
            "text": plot_text(note), "showarrow": False, "xref": "paper", "yref": "paper",
            "x": 1.0, "y": 0.0, "xanchor": "right", "yanchor": "bottom", "font": {"size": 10,
            "color": "#555"}, "bgcolor": "rgba(255,255,255,0.8)"}]  # fmt: skip
    return figure


def _map_layout(title: str, height: int) -> dict:
    """Layout of a city map: fitted to the city's own GeoJSON, no basemap or tile server."""
    return {
        "title": {"text": plot_text(title), "x": 0.01, "font": {"size": 14}},
        "height": height,
        "margin": {"l": 0, "r": 0, "t": 36, "b": 0},
        "geo": {"fitbounds": "geojson", "visible": False, "projection": {"type": "mercator"}},
    }


def shared_range(series: list[pd.Series]) -> tuple[float, float]:
    """One colour range covering every map compared side by side."""
    values = np.concatenate([s.to_numpy(float) for s in series]) if series else np.array([])
    values = values[np.isfinite(values)]
    if not len(values):
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    return (lo, hi if hi > lo else lo + 1.0)


def symmetric_range(diff: pd.Series) -> tuple[float, float]:
    """A colour range centred on zero for a map of differences."""
    values = diff.to_numpy(float)
    values = values[np.isfinite(values)]
    bound = float(np.abs(values).max()) if len(values) else 1.0
    bound = bound if bound > 0 else 1.0
    return -bound, bound


# Plotly's geo maps fetch a world outline even when the basemap is hidden; an empty one is
# served from our own assets so no request leaves the network.
GRAPH_CONFIG = {"displaylogo": False, "topojsonURL": "/assets/"}

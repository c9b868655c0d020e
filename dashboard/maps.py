"""City maps drawn from the city's own area polygons: no tile server, fitted to the city's bounds.

Plotly's geo choropleth draws the GeoJSON itself (basemap hidden), so the maps work on closed
government networks. Count columns are blanked below the small-cell threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.privacy import is_count_column

SEQUENTIAL = "YlGnBu"
DIVERGING = "RdBu"
KIND_SYMBOLS = {
    "hospital": "cross",
    "community_health_centre": "circle",
    "primary_school": "square",
    "middle_school": "diamond",
    "social_insurance_centre": "star",
}


def map_values(frame: pd.DataFrame, column: str, threshold: int = 10) -> pd.Series:
    """The values to colour by area; small counts become NaN (not drawn) for count columns."""
    values = pd.to_numeric(frame[column], errors="coerce").astype(float)
    if is_count_column(column):
        values = values.where(~((values > 0) & (values < threshold)))
    return values


def area_map(
    geojson: dict | str,
    areas: pd.DataFrame,
    values: pd.Series,
    title: str,
    colour_title: str,
    zrange: tuple[float, float] | None = None,
    colorscale: str = SEQUENTIAL,
    facilities: pd.DataFrame | None = None,
    height: int = 420,
) -> dict:
    """A choropleth of `values` (indexed by area_id) over the areas, with facility markers.

    `geojson` is the outlines or their URL; `areas` has area_id, name, district; `zrange` fixes
    the colour scale (the same for maps compared side by side). The figure is a plain dict:
    plotly's figure objects deep-copy the outlines, which costs more than everything else here.
    """
    frame = areas.set_index("area_id").assign(value=values.reindex(areas["area_id"]).to_numpy())
    z = frame["value"].to_numpy(float)
    finite = z[np.isfinite(z)]
    if zrange is None:
        zrange = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    hover = [
        f"{aid} {n} ({d})<br>{'—' if not np.isfinite(v) else f'{v:,.2f}'}"
        for aid, n, d, v in zip(frame.index, frame["name"], frame["district"], z, strict=True)
    ]
    data = [
        {
            "type": "choropleth",
            "geojson": geojson,
            "featureidkey": "properties.area_id",
            "locations": list(frame.index),
            "z": [None if not np.isfinite(v) else round(float(v), 6) for v in z],
            "zmin": zrange[0],
            "zmax": zrange[1],
            "colorscale": colorscale,
            "marker": {"line": {"width": 0.4, "color": "#666"}},
            "colorbar": {"title": {"text": colour_title}, "thickness": 12},
            "text": hover,
            "hoverinfo": "text",
            "name": "",
        }
    ]
    if facilities is not None and len(facilities):
        data.append(
            {
                "type": "scattergeo",
                "lon": facilities["lon"].round(6).tolist(),
                "lat": facilities["lat"].round(6).tolist(),
                "text": (facilities["name"] + " (" + facilities["facility_id"] + ")").tolist(),
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
            }
        )
    return {"data": data, "layout": {**_map_layout(title, height), "uirevision": "keep"}}


def facility_map(
    geojson: dict | str,
    areas: pd.DataFrame,
    facilities: pd.DataFrame,
    values: pd.Series,
    title: str,
    colour_title: str,
    height: int = 420,
) -> dict:
    """Facilities coloured by `values` (indexed by facility_id) over the grey area outlines."""
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
        "text": (areas["area_id"] + " " + areas["name"]).tolist(),
        "hoverinfo": "text",
        "name": "",
    }
    value = placed["value"].astype(float)
    markers = {
        "type": "scattergeo",
        "lon": placed["lon"].round(6).tolist(),
        "lat": placed["lat"].round(6).tolist(),
        "text": [
            f"{n} ({f})<br>{v:,.2f}"
            for f, n, v in zip(placed.index, placed["name"], value, strict=True)
        ],  # fmt: skip
        "hoverinfo": "text",
        "mode": "markers",
        "marker": {
            "size": 12,
            "color": [None if not np.isfinite(v) else float(v) for v in value],
            "colorscale": SEQUENTIAL,
            "showscale": True,
            "colorbar": {"title": {"text": colour_title}, "thickness": 12},
            "line": {"width": 1, "color": "#333"},
        },
        "showlegend": False,
        "name": "",
    }
    return {"data": [outline, markers], "layout": _map_layout(title, height)}


def with_source_note(figure: dict, note: str) -> dict:
    """The figure with a small line under the map: data attribution and what is assumed."""
    if note:
        figure["layout"]["annotations"] = [*figure["layout"].get("annotations", []), {
            "text": note, "showarrow": False, "xref": "paper", "yref": "paper", "x": 1.0,
            "y": 0.0, "xanchor": "right", "yanchor": "bottom", "font": {"size": 10,
            "color": "#555"}, "bgcolor": "rgba(255,255,255,0.8)"}]  # fmt: skip
    return figure


def _map_layout(title: str, height: int) -> dict:
    """Layout of a city map: fitted to the city's own GeoJSON, no basemap or tile server."""
    return {
        "title": {"text": title, "x": 0.01, "font": {"size": 14}},
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

"""Static maps for a brief: the city's own area outlines coloured by a per-area value, drawn with
matplotlib into a PNG (no tiles, no browser), the same data the app's maps show.

Small counts of people are never drawn: the caller passes values through
``scenarios.privacy.drawable`` (hidden cells are NaN) and says which cells were hidden; they are
hatched grey. The image holds numbers on its colour bar only: titles and legends are written in
the brief's language beside it, so no font for Chinese is needed inside the picture.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PathCollection
from matplotlib.colors import Normalize, TwoSlopeNorm, to_rgba
from matplotlib.figure import Figure
from matplotlib.path import Path

CM = 1 / 2.54  # inches per centimetre
SEQUENTIAL = "YlOrRd"  # more unmet need: darker red
DIVERGING = "RdBu_r"  # less unmet need: blue; more: red
HIDDEN = "#d9d9d9"
NO_DATA = "#ffffff"
KIND_MARKERS = {
    "hospital": "P",
    "community_health_centre": "o",
    "primary_school": "s",
    "middle_school": "D",
    "social_insurance_centre": "*",
}


def _ring_path(polygon) -> Path:
    """One polygon with its holes as a compound path."""
    rings = [np.asarray(polygon.exterior.coords)[:, :2]]
    rings += [np.asarray(r.coords)[:, :2] for r in polygon.interiors]
    vertices = np.concatenate(rings)
    codes = np.full(len(vertices), Path.LINETO, dtype=Path.code_type)
    at = 0
    for ring in rings:
        codes[at] = Path.MOVETO
        codes[at + len(ring) - 1] = Path.CLOSEPOLY
        at += len(ring)
    return Path(vertices, codes)


def area_paths(geometry) -> tuple[list[Path], np.ndarray]:
    """Paths of every polygon part, and the position of the area each belongs to."""
    paths, owner = [], []
    for i, geom in enumerate(geometry):
        if geom is None or geom.is_empty:
            continue
        parts = geom.geoms if hasattr(geom, "geoms") else [geom]
        for part in parts:
            if part.geom_type == "Polygon":
                paths.append(_ring_path(part))
                owner.append(i)
    return paths, np.asarray(owner, dtype=int)


def area_png(
    areas: pd.DataFrame,
    values: pd.Series,
    hidden: pd.Series | None = None,
    diverging: bool = False,
    facilities: pd.DataFrame | None = None,
    width_cm: float = 16.0,
    dpi: int = 130,
    outlines: tuple[list[Path], np.ndarray] | None = None,
) -> bytes:
    """A PNG of the areas (a GeoDataFrame with area_id and geometry in a metric CRS) coloured by
    `values` (indexed by area_id; NaN: not coloured), `hidden` cells hatched grey, `facilities`
    (x, y in the areas' CRS, and kind) as red markers; diverging: a scale centred on zero.
    `outlines`: ``area_outlines(areas)``, made once for several maps of the same areas."""
    paths, owner = outlines if outlines is not None else area_outlines(areas)
    z = values.reindex(areas["area_id"]).to_numpy(float)
    masked = np.zeros(len(z), bool)
    if hidden is not None:
        masked = hidden.reindex(areas["area_id"]).fillna(False).to_numpy(bool)
    finite = z[np.isfinite(z)]
    if diverging:
        bound = float(np.abs(finite).max()) if len(finite) else 1.0
        bound = bound if bound > 0 else 1.0
        norm = TwoSlopeNorm(0.0, -bound, bound)
        cmap = DIVERGING
    else:
        top = float(finite.max()) if len(finite) else 1.0
        norm = Normalize(0.0, top if top > 0 else 1.0)
        cmap = SEQUENTIAL
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    colours = np.tile(to_rgba(NO_DATA), (len(z), 1))
    shown = np.isfinite(z)
    if shown.any():
        colours[shown] = mappable.to_rgba(z[shown])
    colours[masked] = to_rgba(HIDDEN)

    height_cm = width_cm * 0.68
    fig = Figure(figsize=(width_cm * CM, height_cm * CM), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 0.86, 1.0))
    ax.set_axis_off()
    ax.set_aspect("equal")
    if len(paths):
        ax.add_collection(PathCollection(paths, facecolors=colours[owner], edgecolors="#777777",
                                         linewidths=0.25))  # fmt: skip
        if masked.any():
            keep = masked[owner]  # hatched as one compound path: one hatch fill, not thousands
            hidden_paths = Path.make_compound_path(
                *[p for p, k in zip(paths, keep, strict=True) if k]
            )
            ax.add_collection(PathCollection([hidden_paths], facecolors="none",
                                             edgecolors="#999999", linewidths=0.0,
                                             hatch="////"))  # fmt: skip
        bounds = np.asarray(areas.total_bounds, float)
        pad = 0.02 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
        ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
        ax.set_ylim(bounds[1] - pad, bounds[3] + pad)
    if facilities is not None and len(facilities):
        for kind, group in facilities.groupby("kind"):
            ax.scatter(group["x"], group["y"], s=22, c="#c00000",
                       marker=KIND_MARKERS.get(kind, "o"), edgecolors="white", linewidths=0.6,
                       zorder=3)  # fmt: skip
    if shown.any():  # a scale only for values drawn
        bar = fig.add_axes((0.88, 0.12, 0.025, 0.76))
        fig.colorbar(mappable, cax=bar)
        bar.tick_params(labelsize=7)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def area_outlines(areas: pd.DataFrame) -> tuple[list[Path], np.ndarray]:
    """The areas' outlines simplified for print, as paths (and the area each belongs to)."""
    return area_paths(shapely.simplify(areas.geometry.values, _tolerance(areas)))


def _tolerance(areas: pd.DataFrame) -> float:
    """Simplification for print: a tenth of a millimetre at the map's width."""
    minx, miny, maxx, maxy = areas.total_bounds
    return max(maxx - minx, maxy - miny) / 1600.0


def facility_points(facilities: pd.DataFrame, kinds: tuple[str, ...]) -> pd.DataFrame:
    """Facilities of the given kinds as x, y, kind, facility_id (in their own CRS), from a
    frame of points with x, y (``dashboard.brief.city.ScenarioCity.facilities``) or a
    GeoDataFrame of them."""
    chosen = facilities[facilities["kind"].isin(kinds)]
    if "x" not in chosen.columns:
        chosen = chosen.assign(x=chosen.geometry.x.to_numpy(), y=chosen.geometry.y.to_numpy())
    return pd.DataFrame({"x": chosen["x"].to_numpy(float), "y": chosen["y"].to_numpy(float),
                         "kind": chosen["kind"].to_numpy(),
                         "facility_id": chosen["facility_id"].to_numpy()})  # fmt: skip

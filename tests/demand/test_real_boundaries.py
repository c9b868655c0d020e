"""Real boundary sets, in the coordinate systems they come in, through validate and travel.

The boundaries ship inside libpysal's wheel (BSD-3-Clause) and are read offline:
- ``chicago/Chicago77.shp``: Chicago's 77 community areas (Anselin & Rey, "Spatial
  Econometrics: Foundations", GeoDa Center), in Illinois State Plane East, US survey feet
  (EPSG:3435; the shapefile has no .prj, its AREA column is in square feet);
- ``virginia/vautm17n.shp``: Virginia's 136 counties and independent cities (US Census
  boundaries as distributed with PySAL), UTM 17N in metres: counties with holes where an
  independent city lies (enclaves), multipart areas on the Chesapeake Bay;
- ``tokyo/tokyomet262.shp``: 262 municipalities of the Tokyo metropolitan area (Nakaya et al.
  2005, GWR example data), EPSG:30166 in metres: 10 invalid polygons, 52 multipart areas.
Population and facilities are made up by hand to our schema, as a bureau would bring them.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from demand.bundle import AGE_BANDS, check_bundle
from demand.geo import inside_points, is_metric
from optimize.metrics.catchment import two_step_fca
from scenarios.cli import app
from supply.travel import area_points, city_travel_times

EXAMPLES = Path(os.path.dirname(libpysal.__file__)) / "examples"
runner = CliRunner()


def chicago() -> gpd.GeoDataFrame:
    """Chicago's community areas as the file holds them: US survey feet (EPSG:3435)."""
    frame = gpd.read_file(EXAMPLES / "chicago" / "Chicago77.shp").set_crs(3435)
    return gpd.GeoDataFrame(
        {
            "area_id": [f"C{int(n):02d}" for n in frame["AREA_NUMBE"]],
            "name": frame["COMMUNITY"].str.title(),
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    )


def hand_made_bundle(areas: gpd.GeoDataFrame, out: Path, seed: int = 5) -> Path:
    """A bundle to our schema around real `areas`: residents, 4 hospitals, their beds."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    areas.to_file(out / "areas.geojson", driver="GeoJSON")
    rows = [
        (a, 2024, sex, band, int(rng.integers(50, 900)))
        for a in areas["area_id"]
        for sex in ("F", "M")
        for band in AGE_BANDS
    ]
    pd.DataFrame(rows, columns=["area_id", "year", "sex", "age_band", "persons"]).to_csv(
        out / "population.csv", index=False
    )
    picks = areas.iloc[np.linspace(0, len(areas) - 1, 4).astype(int)]
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": [f"H{i}" for i in range(len(picks))],
            "kind": "hospital",
            "area_id": picks["area_id"].to_numpy(),
        },
        geometry=inside_points(picks.geometry).values,
        crs=areas.crs,
    )
    facilities.to_file(out / "facilities.geojson", driver="GeoJSON")
    ids = facilities["facility_id"]
    pd.DataFrame({"facility_id": ids, "resource": "beds:internal_medicine", "amount": 300}).to_csv(
        out / "capacity.csv", index=False
    )
    pd.DataFrame({"facility_id": ids, "role": "specialist:cardiology", "headcount": 4}).to_csv(
        out / "workforce.csv", index=False
    )
    return out


def test_us_survey_feet_are_measured_in_metres(tmp_path):
    feet = hand_made_bundle(chicago(), tmp_path / "feet")
    city, report = check_bundle(feet)
    assert city is not None, report
    assert is_metric(city.crs)
    notices = [p.message for p in report.problems if p.severity == "notice"]
    assert any("US survey foot" in m and "metres" in m for m in notices), notices
    km2 = city.areas.geometry.area.sum() / 1e6
    assert km2 == pytest.approx(598.1, rel=0.002)  # not 6,443 km² (feet read as metres)

    result = runner.invoke(app, ["validate", str(feet), "--summary"])
    assert result.exit_code == 0, result.output
    assert "598 km²" in result.output

    # the same city given in metres has the same travel minutes, not 3.28x shorter ones
    metres = chicago().to_crs(32616)
    metres_city, _ = check_bundle(hand_made_bundle(metres, tmp_path / "metres"))
    a = city_travel_times(city).set_index(["area_id", "facility_id"])["minutes"]
    b = city_travel_times(metres_city).set_index(["area_id", "facility_id"])["minutes"]
    assert a.index.sort_values().equals(b.index.sort_values())
    assert np.allclose(a.sort_index(), b.sort_index(), rtol=1e-3, atol=0.01)
    assert 5 < a.median() < 60


def virginia() -> gpd.GeoDataFrame:
    """Virginia's counties and independent cities (EPSG:32617): enclaves, holes, islands."""
    frame = gpd.read_file(EXAMPLES / "virginia" / "vautm17n.shp")
    return gpd.GeoDataFrame(
        {"area_id": "VA" + frame["FIPS"].astype(str), "name": frame["NAME"]},
        geometry=frame.geometry.values,
        crs=frame.crs,
    )


def test_enclaves_and_multipart_areas_are_reached_from_inside(tmp_path):
    """Counties around an independent city (a hole) are reached at a point in the county."""
    city, report = check_bundle(hand_made_bundle(virginia(), tmp_path / "va"))
    assert city is not None, report
    areas = city.areas
    geoms = areas.geometry
    enclaving = ~geoms.covers(geoms.centroid)
    # Fairfax around Fairfax City, Roanoke around Salem and Roanoke City, ...
    assert {"Fairfax", "Roanoke", "Alleghany"} <= set(areas.loc[enclaving, "name"])
    xy = area_points(areas)
    starts = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=areas.crs)
    assert geoms.covers(starts).all()
    travel = city_travel_times(city, mode="drive", cutoff_minutes=3000)
    # the enclave's county is not reached at the city it surrounds: its minutes differ
    fairfax = areas.loc[areas["name"].eq("Fairfax"), "area_id"].iloc[0]
    enclave = areas.loc[areas["name"].eq("Fairfax City"), "area_id"].iloc[0]
    by_area = travel.groupby("area_id")["minutes"].min()
    assert by_area[fairfax] != pytest.approx(by_area[enclave], abs=0.5)
    persons = city.population.groupby("area_id")["persons"].sum()
    beds = city.capacity.set_index("facility_id")["amount"]
    access = two_step_fca(persons, beds, travel, max_minutes=3000)
    assert access.notna().all() and (access > 0).all()


def test_import_repairs_real_invalid_polygons_and_reports_islands(tmp_path):
    """Tokyo's 262 municipalities (EPSG:30166): 10 invalid polygons, 52 multipart areas."""
    import json

    from demand.importing.run import import_city
    from scenarios.quality_report import write_quality_report

    shp = EXAMPLES / "tokyo" / "tokyomet262.shp"
    raw = gpd.read_file(shp)
    assert (~raw.is_valid).sum() == 10
    areas = gpd.GeoDataFrame({"area_id": raw["GEOCODE"], "name": raw["AREANAME"]},
                             geometry=raw.geometry.make_valid().values, crs=raw.crs)  # fmt: skip
    files = hand_made_bundle(areas, tmp_path / "files")
    (files / "areas.geojson").unlink()
    (tmp_path / "mapping.toml").write_text(
        f'[bundle]\nname = "Tokyo"\n\n[areas]\nfile = "{shp.as_posix()}"\n'
        'columns = { area_id = "GEOCODE", name = "AREANAME" }\n\n'
        + "".join(
            f'[{t}]\nfile = "files/{f}"\n\n'
            for t, f in [
                ("population", "population.csv"),
                ("facilities", "facilities.geojson"),
                ("capacity", "capacity.csv"),
                ("workforce", "workforce.csv"),
            ]
        ),  # fmt: skip
        encoding="utf-8",
    )
    result = import_city(tmp_path / "mapping.toml", tmp_path / "city")
    assert result.report.ok, result.report.lines()[:5]
    assert len(result.log.repaired) == 10
    assert all("tokyomet262.shp, row " in r["where"] for r in result.log.repaired)
    city = result.city
    assert city.areas.geometry.is_valid.all() and len(city.areas) == 262
    write_quality_report(result.report, tmp_path / "q", city, result.log, result.tables)
    report = json.loads((tmp_path / "q" / "report.json").read_text(encoding="utf-8"))
    checks = {f["check"]: f for f in report["findings"]}
    assert checks["multipart"]["count"] >= 50  # islands and coast
    assert len(report["repaired"]) == 10
    assert report["crs"]["unit"] == "metre"
    # travel and access run on it, every area reached from a point inside it
    travel = city_travel_times(city, mode="drive", cutoff_minutes=600)
    assert set(travel["area_id"]) == set(city.areas["area_id"])

"""A deterministic, realistic sample city ("Hexi", a Chinese city district) for demos, benches.

The city is an ellipse about 28 × 22 km (scaled with the number of areas) with an ageing dense
old core, an inner ring, suburbs, a new development zone in the east full of young families,
and a river south of the centre that only a few bridges cross. Facilities were placed for the
population of 2021, so by 2025 the new town is short of schools and clinics while the old core
has spare school seats: later models face real trade-offs.

Ratios used (documented in docs/sample_city.md, with sources):
- age structure from China's 7th census (2020), tilted per zone;
- hospital beds about 5.5 per 1,000 residents in the district's hospitals (national figure 6.7
  per 1,000 in 2021, China Health Statistics Yearbook), average length of stay by department;
- class sizes 45 (primary) and 50 (middle), pupil–teacher ratios 19:1 and 13.5:1 (the 2014
  national staffing norm for urban schools);
- about one community health centre per 25,000 residents (national guideline: one per
  街道 of 30,000–100,000), one social-insurance service centre per 120,000.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from demand.bundle.city import City
from demand.bundle.schemas import AGE_BANDS

CRS = "EPSG:32650"  # WGS 84 / UTM zone 50N (Beijing–Tianjin longitudes), metres
CENTRE = (440_000.0, 4_420_000.0)
FIRST_YEAR, LAST_YEAR = 2021, 2025
HISTORY_START, HISTORY_END = "2016-01-01", "2025-12-01"

# China 7th census (2020), share of population by 5-year band, both sexes (per cent).
CENSUS_2020_SHARES = np.array(
    [5.5, 6.3, 5.9, 5.3, 5.3, 6.6, 8.8, 6.9, 6.6, 8.1, 8.4, 7.1, 5.2, 5.0, 3.4, 2.2, 1.5, 1.0]
)
# Share of males by band (more women at old ages).
MALE_SHARE = np.array(
    [0.53, 0.535, 0.535, 0.53, 0.52, 0.515, 0.51, 0.51, 0.505, 0.505, 0.50, 0.50, 0.495,
     0.49, 0.48, 0.46, 0.43, 0.39]
)  # fmt: skip
# Annual death probability by band (China life table 2020, rounded).
DEATH_RATE = np.array(
    [0.0012, 0.0002, 0.0002, 0.0004, 0.0006, 0.0007, 0.0009, 0.0012, 0.0018, 0.0027,
     0.0042, 0.0062, 0.0095, 0.0145, 0.024, 0.042, 0.075, 0.16]
)  # fmt: skip
ZONE_TILT = {
    # multipliers on the census shares per band: old core, young new town
    "core": np.r_[[0.7] * 3, [0.9] * 2, [0.9] * 4, [1.0] * 3, [1.4] * 6],
    "inner": np.ones(18),
    "suburb": np.r_[[1.1] * 3, [1.0] * 15],
    "new_town": np.r_[[1.9] * 2, [1.3], [0.8] * 2, [1.7] * 3, [1.2] * 2, [0.7] * 2, [0.4] * 6],
}
DENSITY = {"core": 24_000, "inner": 14_000, "suburb": 4_000, "new_town": 9_000}  # persons/km²
DISTRICTS = {"core": "Gulou", "new_town": "Xincheng"}
OUTER_DISTRICTS = ["Beiyuan", "Dongshan", "Nanhu", "Xishan"]

SPECIALTIES = [
    "cardiology", "endocrinology", "respiratory", "neurology", "orthopaedics",
    "paediatrics", "obstetrics_gynaecology", "geriatrics", "ophthalmology", "dermatology",
]  # fmt: skip
# bed department: (share of beds, average length of stay in days)
DEPARTMENTS = {
    "internal_medicine": (0.22, 8.5),
    "surgery": (0.17, 8.0),
    "paediatrics": (0.07, 5.5),
    "obstetrics_gynaecology": (0.08, 4.5),
    "cardiology": (0.10, 7.5),
    "orthopaedics": (0.09, 10.0),
    "oncology": (0.10, 9.5),
    "geriatrics": (0.11, 12.0),
    "icu": (0.06, 6.0),
}
BENEFITS = {  # monthly cases per 1,000 covered residents, yearly trend
    "pension": (14.0, 0.045),
    "medical_insurance": (22.0, 0.02),
    "unemployment": (3.0, 0.0),
    "work_injury": (0.8, -0.01),
    "maternity": (1.6, -0.06),
}
SUBJECTS = {  # share of teaching posts
    "primary": {"chinese": 0.27, "math": 0.22, "english": 0.12, "science": 0.08, "pe": 0.11,
                "arts": 0.12, "other": 0.08},
    "middle": {"chinese": 0.17, "math": 0.17, "english": 0.15, "science": 0.24, "pe": 0.08,
               "arts": 0.07, "other": 0.12},
}  # fmt: skip
CLASS_SIZE = {"primary": 45, "middle": 50}
PUPILS_PER_TEACHER = {"primary": 19.0, "middle": 13.5}
GRADES = {"primary": range(1, 7), "middle": range(7, 10)}


def _zone_of(x: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    cx, cy = CENTRE
    r = np.hypot(x - cx, y - cy) / scale
    nt = np.hypot(x - (cx + 9_000 * scale), y - (cy + 3_000 * scale)) / scale
    zone = np.where(r < 3_000, "core", np.where(r < 7_000, "inner", "suburb"))
    return np.where((nt < 3_200) & (zone != "core"), "new_town", zone)


def river_y(x: np.ndarray, scale: float) -> np.ndarray:
    """Northing of the river at easting x (metres): it winds west–east south of the centre."""
    cx, cy = CENTRE
    return cy - 2_200 * scale + 1_400 * scale * np.sin((x - cx) / (4_500 * scale))


def _areas(n_areas: int, rng: np.random.Generator, scale: float) -> gpd.GeoDataFrame:
    cx, cy = CENTRE
    ax, ay = 14_000 * scale, 11_000 * scale
    boundary = shapely.Polygon(
        [(cx + ax * np.cos(t), cy + ay * np.sin(t)) for t in np.linspace(0, 2 * np.pi, 120)]
    )
    pts: list[np.ndarray] = []
    while sum(len(p) for p in pts) < n_areas:
        x = rng.uniform(cx - ax, cx + ax, 4 * n_areas)
        y = rng.uniform(cy - ay, cy + ay, 4 * n_areas)
        inside = ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 < 0.97
        zone = _zone_of(x, y, scale)
        dens = np.vectorize(DENSITY.get)(zone) / DENSITY["core"]
        keep = inside & (rng.uniform(size=x.size) < np.sqrt(dens))
        pts.append(np.c_[x[keep], y[keep]])
    xy = np.concatenate(pts)[:n_areas]
    cells = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=boundary, ordered=True)
    polys = shapely.intersection(shapely.get_parts(cells), boundary)
    polys = shapely.make_valid(shapely.set_precision(polys, 0.01))
    polys = np.array([_largest_polygon(p) for p in polys])
    centroid = shapely.centroid(polys)
    x, y = shapely.get_x(centroid), shapely.get_y(centroid)
    zone = _zone_of(x, y, scale)
    angle = np.arctan2(y - cy, x - cx)
    sector = ((angle + np.pi) / (2 * np.pi) * 4).astype(int) % 4
    district = np.where(
        zone == "core",
        DISTRICTS["core"],
        np.where(zone == "new_town", DISTRICTS["new_town"], np.array(OUTER_DISTRICTS)[sector]),
    )
    order = np.lexsort((x, -y))  # ids run north-west to south-east, like a map read
    ids = [f"A{i + 1:04d}" for i in range(n_areas)]
    frame = gpd.GeoDataFrame(
        {
            "area_id": ids,
            "name": [f"{d} {i + 1}" for i, d in enumerate(district[order])],
            "district": district[order],
            "zone": zone[order],
        },
        geometry=polys[order],
        crs=CRS,
    )
    return frame


def _largest_polygon(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "Polygon":
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return max(parts, key=lambda g: g.area)


def _population(areas: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Residents by area, year, sex and band, 2021–2025, by a simple cohort-component walk."""
    km2 = areas.geometry.area.to_numpy() / 1e6
    zone = areas["zone"].to_numpy()
    density = np.vectorize(DENSITY.get)(zone) * rng.lognormal(0, 0.25, len(areas))
    total = density * km2
    total *= (3_200 * len(areas)) / total.sum()
    if (zone == "new_town").any():
        total[zone == "new_town"] *= 0.55  # the new town is still filling up in 2021
    shares = CENSUS_2020_SHARES / CENSUS_2020_SHARES.sum()
    tilt = np.stack([ZONE_TILT[z] for z in zone]) * rng.lognormal(0, 0.08, (len(areas), 18))
    struct = shares * tilt
    struct /= struct.sum(axis=1, keepdims=True)
    people = total[:, None] * struct
    male = np.clip(MALE_SHARE + rng.normal(0, 0.01, (len(areas), 18)), 0.3, 0.7)
    pop = np.stack([people * (1 - male), people * male], axis=1)  # area, sex(F,M), band
    # yearly net migration as a rate per band (young families into the new town)
    mig = np.zeros((len(areas), 18))
    mig[zone == "new_town"] = np.r_[[0.10] * 2, [0.05], [0.02] * 2, [0.11] * 3, [0.04] * 2,
                                    [0.0] * 8]  # fmt: skip
    mig[zone == "core"] = np.r_[[-0.02] * 3, [0.0] * 2, [-0.03] * 4, [-0.01] * 3, [0.0] * 6]
    mig[zone == "suburb"] = 0.005
    years = {}
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        years[year] = np.round(pop).astype(np.int64)
        survivors = pop * (1 - DEATH_RATE)
        moving_up = survivors[:, :, :-1] / 5
        nxt = survivors.copy()
        nxt[:, :, :-1] -= moving_up
        nxt[:, :, 1:] += moving_up
        women_15_49 = pop[:, 0, 3:10].sum(axis=1)
        births = women_15_49 * 0.032  # ≈ TFR 1.1 spread over ages 15–49
        nxt[:, 0, 0] += births * 0.47
        nxt[:, 1, 0] += births * 0.53
        pop = nxt * (1 + mig[:, None, :])
    rows = []
    for year, counts in years.items():
        a, s, b = np.meshgrid(np.arange(len(areas)), np.arange(2), np.arange(18), indexing="ij")
        rows.append(
            pd.DataFrame(
                {
                    "area_id": areas["area_id"].to_numpy()[a.ravel()],
                    "year": year,
                    "sex": np.array(["F", "M"])[s.ravel()],
                    "age_band": np.array(AGE_BANDS)[b.ravel()],
                    "persons": counts.ravel(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _pick_areas(
    weight: np.ndarray, n: int, rng: np.random.Generator, spread_m: float, xy: np.ndarray
) -> np.ndarray:
    """n distinct area indices, drawn by weight but kept at least `spread_m` apart if possible."""
    chosen: list[int] = []
    p = weight / weight.sum()
    order = rng.choice(len(weight), size=len(weight), replace=False, p=p)
    for i in order:
        if len(chosen) == n:
            break
        if chosen and np.min(np.hypot(*(xy[chosen] - xy[i]).T)) < spread_m:
            continue
        chosen.append(int(i))
    for i in order:  # relax spacing if the city is too small
        if len(chosen) == n:
            break
        if i not in chosen:
            chosen.append(int(i))
    return np.array(chosen)


def _facilities(
    areas: gpd.GeoDataFrame, pop: pd.DataFrame, rng: np.random.Generator, scale: float
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    n = len(areas)
    p21 = pop[pop["year"] == FIRST_YEAR]
    by_area = p21.groupby("area_id")["persons"].sum().reindex(areas["area_id"]).to_numpy()
    band_idx = p21["age_band"].map({b: i for i, b in enumerate(AGE_BANDS)})
    kids = (
        p21[band_idx.between(1, 2)]
        .groupby("area_id")["persons"]
        .sum()
        .reindex(areas["area_id"])
        .to_numpy()
    )
    zone = areas["zone"].to_numpy()
    pts = areas.geometry.representative_point()
    xy = np.c_[pts.x, pts.y]
    total_pop = by_area.sum()
    counts = {
        "hospital": max(2, round(n / 30)),
        "community_health_centre": max(3, round(n / 7.5)),
        "primary_school": max(3, round(n / 5)),
        "middle_school": max(2, round(n / 12)),
        "social_insurance_centre": max(2, round(n / 37)),
    }
    zone_weight = {
        "hospital": {"core": 4.0, "inner": 1.5, "suburb": 0.4, "new_town": 0.0},
        "community_health_centre": {"core": 1.0, "inner": 1.0, "suburb": 1.0, "new_town": 0.25},
        "primary_school": {"core": 1.0, "inner": 1.0, "suburb": 1.0, "new_town": 0.5},
        "middle_school": {"core": 1.2, "inner": 1.0, "suburb": 0.9, "new_town": 0.4},
        "social_insurance_centre": {"core": 2.0, "inner": 1.0, "suburb": 0.6, "new_town": 0.0},
    }
    base = {"hospital": by_area, "community_health_centre": by_area, "primary_school": kids,
            "middle_school": kids, "social_insurance_centre": by_area}  # fmt: skip
    spacing = {"hospital": 2_500, "community_health_centre": 1_600, "primary_school": 900,
               "middle_school": 1_500, "social_insurance_centre": 4_000}  # fmt: skip
    fac_rows, cap_rows, wf_rows = [], [], []
    prefix = {"hospital": "H", "community_health_centre": "C", "primary_school": "P",
              "middle_school": "M", "social_insurance_centre": "S"}  # fmt: skip
    beds_total = total_pop * 5.5 / 1000
    for kind, k in counts.items():
        w = base[kind] * np.vectorize(zone_weight[kind].get)(zone) + 1e-9
        idx = _pick_areas(w, k, rng, spacing[kind] * scale, xy)
        sizes = rng.lognormal(0, 0.45, k)
        sizes /= sizes.sum()
        for j, i in enumerate(idx):
            fid = f"{prefix[kind]}{j + 1:03d}"
            jitter = rng.normal(0, 60, 2)
            point = shapely.Point(xy[i] + jitter)
            if not areas.geometry.iloc[i].contains(point):
                point = shapely.Point(xy[i])
            fac_rows.append((fid, kind, f"{kind.replace('_', ' ').title()} {j + 1}",
                             areas["area_id"].iloc[i], point))  # fmt: skip
            if kind == "hospital":
                beds = max(150, round(beds_total * sizes[j] / 10) * 10)
                mix = rng.dirichlet([40 * s for s, _ in DEPARTMENTS.values()])
                for (dept, _), share in zip(DEPARTMENTS.items(), mix, strict=True):
                    cap_rows.append((fid, f"beds:{dept}", float(max(10, round(beds * share)))))
                for spec in SPECIALTIES:
                    heads = max(2, int(rng.poisson(beds / 90)))
                    wf_rows.append((fid, f"specialist:{spec}", heads, float(heads)))
            elif kind == "community_health_centre":
                rooms = int(rng.integers(4, 11))
                cap_rows.append((fid, "rooms:consultation", float(rooms)))
                for spec in rng.choice(SPECIALTIES, size=int(rng.integers(3, 9)), replace=False):
                    cap_rows.append((fid, f"hosts:{spec}", 1.0))
                gps = int(rng.integers(6, 22))
                wf_rows.append((fid, "gp", gps, round(gps * 0.95, 1)))
            elif kind in ("primary_school", "middle_school"):
                level = kind.split("_")[0]
                classes = int(np.clip(round(rng.normal(4 if level == "primary" else 8, 1.5)),
                                      2, 12))  # fmt: skip
                grades = GRADES[level]
                for g in grades:
                    cap_rows.append((fid, f"seats:grade_{g}", float(classes * CLASS_SIZE[level])))
                pupils = classes * CLASS_SIZE[level] * len(grades) * rng.uniform(0.8, 1.0)
                teachers = pupils / PUPILS_PER_TEACHER[level] * rng.uniform(0.85, 1.1)
                for subject, share in SUBJECTS[level].items():
                    heads = max(1, round(teachers * share))
                    wf_rows.append((fid, f"teacher:{subject}", heads, float(heads)))
            else:
                counters = int(rng.integers(6, 19))
                cap_rows.append((fid, "counters", float(counters)))
                heads = round(counters * rng.uniform(1.3, 1.8))
                wf_rows.append((fid, "caseworker", heads, round(heads * 0.92, 1)))
    facilities = gpd.GeoDataFrame(
        fac_rows, columns=["facility_id", "kind", "name", "area_id", "geometry"], crs=CRS
    )
    capacity = pd.DataFrame(cap_rows, columns=["facility_id", "resource", "amount"])
    workforce = pd.DataFrame(wf_rows, columns=["facility_id", "role", "headcount", "fte"])
    return facilities, capacity, workforce


def _mobility(
    areas: gpd.GeoDataFrame,
    pop: pd.DataFrame,
    facilities: gpd.GeoDataFrame,
    rng: np.random.Generator,
    scale: float,
) -> pd.DataFrame:
    """Commute, school and medical trips per working day, gravity-distributed, top few each."""
    latest = pop[pop["year"] == LAST_YEAR]
    bands = latest["age_band"].map({b: i for i, b in enumerate(AGE_BANDS)})
    workers = latest[bands.between(4, 11)].groupby("area_id")["persons"].sum() * 0.62
    pupils = latest[bands.between(1, 2)].groupby("area_id")["persons"].sum()
    everyone = latest.groupby("area_id")["persons"].sum()
    ids = areas["area_id"].to_numpy()
    pts = areas.geometry.representative_point()
    xy = np.c_[pts.x, pts.y]
    zone = areas["zone"].to_numpy()
    jobs = np.vectorize({"core": 6.0, "inner": 2.0, "suburb": 0.6, "new_town": 0.5}.get)(zone)
    jobs = jobs * rng.lognormal(0, 0.6, len(ids))
    fac_area = facilities.set_index("facility_id")["area_id"]
    idx = {a: i for i, a in enumerate(ids)}
    school_w = np.zeros(len(ids))
    for a in fac_area[facilities["kind"].str.endswith("school").to_numpy()]:
        school_w[idx[a]] += 1
    hosp_w = np.zeros(len(ids))
    for a in fac_area[(facilities["kind"] == "hospital").to_numpy()]:
        hosp_w[idx[a]] += 1
    specs = [
        ("commute", workers, jobs, 6_000, 8),
        ("school", pupils * 2, school_w, 1_500, 3),
        ("medical", everyone * 6.2 / 250, hosp_w, 5_000, 3),
    ]
    frames = []
    for purpose, volume, attract, beta, top in specs:
        vol = volume.reindex(ids).fillna(0).to_numpy()
        for start in range(0, len(ids), 500):
            block = slice(start, min(start + 500, len(ids)))
            d = np.hypot(xy[block, 0, None] - xy[None, :, 0], xy[block, 1, None] - xy[None, :, 1])
            w = attract[None, :] * np.exp(-d / (beta * scale))
            k = min(top, len(ids))
            best = np.argpartition(-w, k - 1, axis=1)[:, :k]
            bw = np.take_along_axis(w, best, axis=1)
            bw = bw / np.maximum(bw.sum(axis=1, keepdims=True), 1e-12)
            trips = np.round(vol[block, None] * bw, 1)
            o = np.repeat(np.arange(len(ids))[block], k)
            frames.append(
                pd.DataFrame(
                    {
                        "origin_area": ids[o],
                        "dest_area": ids[best.ravel()],
                        "purpose": purpose,
                        "trips_per_day": trips.ravel(),
                    }
                )
            )
    mob = pd.concat(frames, ignore_index=True)
    return mob[mob["trips_per_day"] > 0].reset_index(drop=True)


def _seasonal(months: pd.DatetimeIndex, kind: str) -> np.ndarray:
    m = months.month.to_numpy()
    winter = np.cos((m - 1) / 12 * 2 * np.pi)  # +1 in January, −1 in July
    festival = np.where(m == 2, -0.14, 0.0)  # Spring Festival dip
    if kind == "respiratory":
        return 1 + 0.22 * winter + festival
    if kind in ("cardiology", "internal_medicine", "geriatrics", "icu"):
        return 1 + 0.10 * winter + festival
    if kind == "unemployment":
        return 1 + np.where(np.isin(m, [3, 7]), 0.25, 0.0) + np.where(m == 2, -0.2, 0.0)
    if kind == "medical_insurance":
        return 1 + np.where(m == 1, 0.3, 0.0) + festival
    if kind in ("paediatrics",):
        return 1 + 0.15 * winter + np.where(np.isin(m, [7, 8]), -0.1, 0.0) + festival
    return 1 + 0.04 * winter + festival


def _history(
    facilities: gpd.GeoDataFrame,
    capacity: pd.DataFrame,
    workforce: pd.DataFrame,
    pop: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    months = pd.date_range(HISTORY_START, HISTORY_END, freq="MS")
    t = (np.arange(len(months)) / 12.0)[None, :]
    covid = np.ones(len(months))
    covid[(months >= "2020-02-01") & (months <= "2020-04-01")] = 0.7
    covid[(months >= "2022-12-01") & (months <= "2023-01-01")] = 0.85
    series_rows, frames = [], []

    def add(sid: str, service: str, measure: str, fid: str, ds, y: np.ndarray) -> None:
        series_rows.append((sid, service, measure, fid, ""))
        frames.append(pd.DataFrame({"series_id": sid, "ds": ds, "y": y}))

    cap = capacity.set_index(["facility_id", "resource"])["amount"]
    wf = workforce.set_index(["facility_id", "role"])["headcount"]
    for fid in facilities.loc[facilities["kind"] == "hospital", "facility_id"]:
        for dept, (_, alos) in DEPARTMENTS.items():
            beds = cap[(fid, f"beds:{dept}")]
            trend = {"geriatrics": 0.05, "oncology": 0.035, "obstetrics_gynaecology": -0.04,
                     "paediatrics": -0.02}.get(dept, 0.02)  # fmt: skip
            level = beds * 0.88 * 30.4 / alos / (1 + trend) ** 9.5
            mean = level * (1 + trend) ** t[0] * _seasonal(months, dept) * covid
            y = rng.negative_binomial(40, 40 / (40 + mean)).astype(float)
            add(f"{fid}:admissions:{dept}", "health", f"admissions:{dept}", fid, months, y)
        for spec in SPECIALTIES:
            heads = wf[(fid, f"specialist:{spec}")]
            trend = 0.04 if spec in ("geriatrics", "cardiology", "endocrinology") else 0.015
            level = heads * 260 / (1 + trend) ** 9.5
            mean = level * (1 + trend) ** t[0] * _seasonal(months, spec) * covid
            y = rng.negative_binomial(60, 60 / (60 + mean)).astype(float)
            add(f"{fid}:visits:{spec}", "health", f"outpatient_visits:{spec}", fid, months, y)
    centres = facilities[facilities["kind"] == "social_insurance_centre"]
    served = pop[pop["year"] == LAST_YEAR]["persons"].sum() / max(1, len(centres))
    for fid in centres["facility_id"]:
        share = rng.lognormal(0, 0.3)
        for benefit, (per_1000, trend) in BENEFITS.items():
            level = served * share * per_1000 / 1000 / (1 + trend) ** 9.5
            mean = level * (1 + trend) ** t[0] * _seasonal(months, benefit) * covid
            y = rng.negative_binomial(50, 50 / (50 + mean)).astype(float)
            add(f"{fid}:caseload:{benefit}", "social_security", f"caseload:{benefit}", fid,
                months, y)  # fmt: skip
    years = pd.date_range("2016-01-01", "2025-01-01", freq="YS")
    schools = facilities[facilities["kind"].str.endswith("school")]
    for fid in schools["facility_id"]:
        level = "primary" if fid.startswith("P") else "middle"
        growth = rng.normal(0.0, 0.02)
        fill = rng.uniform(0.75, 0.98)
        for g in GRADES[level]:
            seats = cap[(fid, f"seats:grade_{g}")]
            y = np.round(seats * fill * (1 + growth) ** (np.arange(len(years)) - 9)
                         * rng.lognormal(0, 0.03, len(years)))  # fmt: skip
            add(f"{fid}:enrolment:grade_{g}", "education", f"enrolment:grade_{g}", fid, years, y)
    series = pd.DataFrame(
        series_rows, columns=["series_id", "service", "measure", "facility_id", "area_id"]
    )
    history = pd.concat(frames, ignore_index=True)
    return series, history


#: The documented surge (docs/alerts.md), planted so `civicalloc watch` has something to find:
#: from September 2025 the caseload of the service centre nearest the new town is 40% higher
#: (families moving in), and in November-December 2025 paediatric admissions at the hospital
#: nearest the new town are 1.8 times the usual (a winter outbreak). Extra counts are drawn
#: from their own generator, so the rest of the city is exactly what it was.
SURGE = {
    "caseload": ("social_insurance_centre", "caseload:", "2025-09-01", "2025-12-01", 0.4),
    "outbreak": ("hospital", "admissions:paediatrics", "2025-11-01", "2025-12-01", 0.8),
}
SURGE_SEED = 16


def nearest_to_new_town(areas: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, kind: str) -> str:
    """The facility of ``kind`` nearest the new town's centre (the surge's place)."""
    town = areas[areas["district"] == DISTRICTS["new_town"]]
    centre = town.geometry.union_all().centroid
    of_kind = facilities[facilities["kind"] == kind]
    return str(of_kind.loc[of_kind.geometry.distance(centre).idxmin(), "facility_id"])


def _plant_surge(
    history: pd.DataFrame, areas: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> pd.DataFrame:
    """History with the documented surge added (``SURGE``)."""
    rng = np.random.default_rng(SURGE_SEED)
    out = history.copy()
    for kind, prefix, start, end, extra in SURGE.values():
        fid = nearest_to_new_town(areas, facilities, kind)
        rows = (
            out["series_id"].str.startswith(f"{fid}:{prefix}")
            & (out["ds"] >= start)
            & (out["ds"] <= end)
        )
        out.loc[rows, "y"] += rng.poisson(out.loc[rows, "y"].to_numpy() * extra)
    return out


def _arrival_profile(facilities: gpd.GeoDataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Visits by weekday and opening hour in 2025: Monday and late-morning peaks."""
    day = np.array([1.25, 1.08, 1.0, 0.95, 0.9])
    hour = np.array([0.8, 1.35, 1.45, 1.2, 0.5, 0.7, 1.1, 1.15, 0.75])  # 08:00 … 16:00
    rows = []
    last_year = history[history["ds"] >= "2025-01-01"]
    for fid in facilities.loc[facilities["kind"] == "social_insurance_centre", "facility_id"]:
        total = last_year.loc[last_year["series_id"].str.startswith(f"{fid}:"), "y"].sum()
        w = np.outer(day, hour)
        w = w / w.sum() * total
        for d in range(5):
            for h in range(9):
                rows.append((fid, d, 8 + h, float(round(w[d, h]))))
    return pd.DataFrame(rows, columns=["facility_id", "weekday", "hour", "visits"])


def make_sample_city(n_areas: int = 300, seed: int = 7) -> City:
    """The sample city with `n_areas` areas (≥ 20), the same for the same seed."""
    if n_areas < 20:
        raise ValueError("the sample city needs at least 20 areas")
    rng = np.random.default_rng(seed)
    scale = float(np.sqrt(n_areas / 300))  # keep area sizes realistic as the city grows
    areas = _areas(n_areas, rng, scale)
    pop = _population(areas, rng)
    facilities, capacity, workforce = _facilities(areas, pop, rng, scale)
    mobility = _mobility(areas, pop, facilities, rng, scale)
    series, history = _history(facilities, capacity, workforce, pop, rng)
    history = _plant_surge(history, areas, facilities)
    profile = _arrival_profile(facilities, history)
    travel = pd.DataFrame({"area_id": [], "facility_id": [], "minutes": []})
    return City(
        areas=areas,
        population=pop,
        facilities=facilities,
        capacity=capacity,
        workforce=workforce,
        mobility=mobility,
        series=series,
        history=history,
        travel=travel.astype({"area_id": object, "facility_id": object, "minutes": float}),
        arrival_profile=profile,
        name="Hexi sample city",
        base_year=LAST_YEAR,
        meta={
            "name": "Hexi sample city",
            "base_year": LAST_YEAR,
            "seed": seed,
            "n_areas": n_areas,
        },  # fmt: skip
    )

"""Messy departmental files made from the sample city, and the mapping that imports them.

What a bureau is really handed, so that ``civicalloc import`` is tested on it and a new user
can try it (``civicalloc messy-city``):
- 社区边界.shp — community boundaries, GBK-encoded .dbf with no .cpg, 12-digit division codes
  (统计用区划代码) and the 街道's code, zone types in Chinese;
- 人口普查.xlsx — the base-year census: one sheet per 街道 (appended), a title row, two merged
  header rows (男/女 over "0-4岁" … "85岁及以上"), a stated total in 万人, a 合计 row, and
  communities named, not coded;
- 历年人口.csv — earlier years, long, GBK, coded, Chinese values (男/女, "0-4岁");
- 医疗机构.csv — hospitals and health centres exported from a hospital system: GBK,
  Baidu (BD-09) coordinates; 床位.csv — beds by department (wide), hospitals named;
- 学校.csv — schools picked on Amap (GCJ-02), UTF-8 with BOM, seats per grade (wide);
- 教师.xlsx — teachers per subject (wide); 医务人员.csv — health and service staff, long;
- 社保中心.geojson — service centres; 其他资源.csv — rooms, hosts and counters;
- 出行.parquet, 序列.csv, 历史.csv, 到访.csv — mobility, series, history, arrivals as given.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from openpyxl import Workbook
from openpyxl.styles import Alignment

from demand.bundle.city import City
from demand.bundle.schemas import AGE_BANDS
from demand.importing.coords import from_wgs84
from demand.importing.presets import DEPARTMENTS

STREETS = {
    "Xishan": "西山",
    "Dongshan": "东山",
    "Nanhu": "南湖",
    "Beiyuan": "北苑",
    "Gulou": "鼓楼",
    "Xincheng": "新城",
    "Hexi": "河西",
    "Riverside": "滨江",
}
ZONES = {"core": "核心区", "inner": "内城", "suburb": "近郊", "new_town": "新城区"}
KIND_ZH = {
    "hospital": "医院",
    "community_health_centre": "社区卫生服务中心",
    "primary_school": "小学",
    "middle_school": "初中",
    "social_insurance_centre": "社会保险服务中心",
}
COUNTY_CODE = "110108"  # a county-level code (any 6 digits): 11 province, 01 city, 08 county
DEPT_ZH = {v: k for k, v in reversed(DEPARTMENTS.items())}  # the first Chinese name of each
SUBJECT_ZH = {
    "chinese": "语文",
    "math": "数学",
    "english": "英语",
    "science": "科学",
    "pe": "体育",
    "arts": "艺术",
    "other": "其他",
}
GRADE_ZH = [
    "一年级",
    "二年级",
    "三年级",
    "四年级",
    "五年级",
    "六年级",
    "七年级",
    "八年级",
    "九年级",
]


def band_zh(band: str) -> str:
    """'0-4' → '0-4岁', '85+' → '85岁及以上' (as census tables write them)."""
    return f"{band[:-1]}岁及以上" if band.endswith("+") else f"{band}岁"


def _codes(areas: pd.DataFrame) -> tuple[pd.Series, pd.Series, dict[str, str]]:
    """12-digit codes per area, its 街道's code, and Chinese names, in a stable order.

    A 街道 has at most 999 communities (3 digits); a district with more gets more 街道 codes.
    """
    counts = areas["district"].value_counts()
    first_town: dict[str, int] = {}
    town = 1
    for district in sorted(counts.index):
        first_town[district] = town
        town += -(-int(counts[district]) // 999)
    counter: dict[str, int] = {}
    codes, parents, names = [], [], []
    for _, row in areas.iterrows():
        n = counter[row["district"]] = counter.get(row["district"], 0) + 1
        town_code = f"{COUNTY_CODE}{first_town[row['district']] + (n - 1) // 999:03d}"
        codes.append(f"{town_code}{(n - 1) % 999 + 1:03d}")
        parents.append(f"{town_code}000")
        names.append(f"{_street_zh(row['district'])}{n}号社区")
    index = areas.index
    return (pd.Series(codes, index=index), pd.Series(parents, index=index),
            dict(zip(areas["area_id"], names, strict=True)))  # fmt: skip


def _street_zh(district: str) -> str:
    return STREETS.get(district, district)


def _write_areas(city: City, out: Path, codes, parents, names) -> None:
    areas = city.areas
    frame = gpd.GeoDataFrame(
        {
            "社区代码": codes.to_numpy(),
            "社区名称": areas["area_id"].map(names).to_numpy(),
            "街道名称": areas["district"].map(lambda d: _street_zh(d) + "街道").to_numpy(),
            "街道代码": parents.to_numpy(),
            "类型": areas["zone"].map(ZONES).fillna("").to_numpy(),
        },
        geometry=areas.geometry.values,
        crs=areas.crs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, out / "社区边界.shp", encoding="GBK")
    for cpg in out.glob("社区边界.cpg"):
        cpg.unlink()  # as many tools leave them: GBK bytes and nothing that says so


def _write_census(city: City, out: Path, names: dict[str, str]) -> None:
    year = city.latest_year
    pop = city.population_in(year)
    wide = pop.pivot_table(
        index="area_id", columns=["sex", "age_band"], values="persons", aggfunc="sum"
    )
    book = Workbook()
    book.remove(book.active)
    n_cols = 2 + 2 * len(AGE_BANDS)
    for district, group in city.areas.groupby("district", sort=True):
        street = _street_zh(district) + "街道"
        ws = book.create_sheet(street)
        ws.append([f"{year}年{street}常住人口分性别、年龄构成（第七次人口普查口径）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n_cols)
        ws.append(
            ["社区", "常住人口（万人）", "男"]
            + [None] * (len(AGE_BANDS) - 1)
            + ["女"]
            + [None] * (len(AGE_BANDS) - 1)
        )
        ws.append([None, None] + [band_zh(b) for b in AGE_BANDS] * 2)
        ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
        ws.merge_cells(start_row=2, start_column=2, end_row=3, end_column=2)
        ws.merge_cells(start_row=2, start_column=3, end_row=2, end_column=2 + len(AGE_BANDS))
        ws.merge_cells(start_row=2, start_column=3 + len(AGE_BANDS), end_row=2, end_column=n_cols)
        ws["C2"].alignment = Alignment(horizontal="center")
        totals = np.zeros(2 * len(AGE_BANDS), dtype=np.int64)
        for area_id in group["area_id"]:
            values = [
                int(wide.loc[area_id, (sex, band)]) for sex in ("M", "F") for band in AGE_BANDS
            ]
            totals += values
            ws.append([names[area_id], round(sum(values) / 1e4, 4)] + values)
        ws.append(["合计", round(int(totals.sum()) / 1e4, 4)] + totals.tolist())
    book.save(out / "人口普查.xlsx")


def _write_history_population(city: City, out: Path, codes: pd.Series) -> None:
    code_of = dict(zip(city.areas["area_id"], codes, strict=True))
    pop = city.population[city.population["year"] < city.latest_year]
    frame = pd.DataFrame(
        {
            "社区代码": pop["area_id"].map(code_of),
            "年份": pop["year"],
            "性别": pop["sex"].map({"M": "男", "F": "女"}),
            "年龄组": pop["age_band"].map(band_zh),
            "人数": pop["persons"],
        }
    )
    frame.to_csv(out / "历年人口.csv", index=False, encoding="gbk")


def _lonlat(points: gpd.GeoSeries, system: str) -> tuple[np.ndarray, np.ndarray]:
    wgs = points.to_crs(4326)
    lon, lat = from_wgs84(wgs.x.to_numpy(), wgs.y.to_numpy(), system)
    return np.round(lon, 7), np.round(lat, 7)


def _facility_names(city: City) -> dict[str, str]:
    counter: dict[str, int] = {}
    names = {}
    for _, row in city.facilities.iterrows():
        n = counter[row["kind"]] = counter.get(row["kind"], 0) + 1
        names[row["facility_id"]] = f"河西区第{n}{KIND_ZH[row['kind']]}"
    return names


def _write_health(city: City, out: Path, fac_names: dict[str, str]) -> None:
    health = city.facilities[city.facilities["kind"].isin(["hospital", "community_health_centre"])]
    lon, lat = _lonlat(health.geometry, "bd09")
    pd.DataFrame(
        {
            "机构代码": health["facility_id"].to_numpy(),
            "机构名称": health["facility_id"].map(fac_names).to_numpy(),
            "机构类别": health["kind"].map(KIND_ZH).to_numpy(),
            "经度": lon,
            "纬度": lat,
        }
    ).to_csv(out / "医疗机构.csv", index=False, encoding="gbk")
    beds = city.capacity[city.capacity["resource"].str.startswith("beds:")]
    wide = beds.assign(dept=beds["resource"].str.removeprefix("beds:").map(DEPT_ZH)).pivot_table(
        index="facility_id", columns="dept", values="amount", aggfunc="sum"
    )
    wide.index = wide.index.map(fac_names)
    wide.index.name = "医院名称"
    wide = wide.astype("Int64").astype(str).replace("<NA>", "")
    wide.reset_index().to_csv(out / "床位.csv", index=False, encoding="gbk")


def _write_schools(city: City, out: Path, fac_names: dict[str, str]) -> None:
    schools = city.facilities[city.facilities["kind"].isin(["primary_school", "middle_school"])]
    lon, lat = _lonlat(schools.geometry, "gcj02")
    seats = city.capacity[city.capacity["resource"].str.startswith("seats:grade_")]
    wide = seats.pivot_table(
        index="facility_id", columns="resource", values="amount", aggfunc="sum"
    )
    frame = pd.DataFrame(
        {
            "学校代码": schools["facility_id"].to_numpy(),
            "学校名称": schools["facility_id"].map(fac_names).to_numpy(),
            "学校类型": schools["kind"].map(KIND_ZH).to_numpy(),
            "经度": lon,
            "纬度": lat,
        }
    )
    for g, label in enumerate(GRADE_ZH, start=1):
        col = f"seats:grade_{g}"
        values = wide[col] if col in wide.columns else pd.Series(dtype=float)
        frame[label] = (
            schools["facility_id"].map(values).astype("Int64").astype(str).replace("<NA>", "")
        ).to_numpy()
    frame.to_csv(out / "学校.csv", index=False, encoding="utf-8-sig")
    teachers = city.workforce[city.workforce["role"].str.startswith("teacher:")]
    twide = teachers.assign(subject=teachers["role"].str.removeprefix("teacher:").map(SUBJECT_ZH))
    twide = (
        twide.pivot_table(index="facility_id", columns="subject", values="headcount", aggfunc="sum")
        .fillna(0)
        .astype(int)
    )
    book = Workbook()
    ws = book.active
    ws.title = "专任教师"
    ws.append(["学校代码"] + list(twide.columns))
    for fid, row in twide.iterrows():
        ws.append([fid] + [int(v) for v in row])
    book.save(out / "教师.xlsx")


def _write_staff(city: City, out: Path) -> None:
    staff = city.workforce[~city.workforce["role"].str.startswith("teacher:")]

    def role_zh(role: str) -> str:
        if role.startswith("specialist:"):
            return DEPT_ZH.get(role.removeprefix("specialist:"), role)
        return {"gp": "全科医生", "caseworker": "经办人员"}.get(role, role)

    pd.DataFrame(
        {
            "机构代码": staff["facility_id"],
            "岗位": staff["role"].map(role_zh),
            "人数": staff["headcount"],
            "全时当量": staff["fte"],
        }
    ).to_csv(out / "医务人员.csv", index=False, encoding="gbk")


def _write_rest(city: City, out: Path, fac_names: dict[str, str], codes: pd.Series) -> None:
    code_of = dict(zip(city.areas["area_id"], codes, strict=True))
    centres = city.facilities[city.facilities["kind"] == "social_insurance_centre"]
    gpd.GeoDataFrame(
        {
            "facility_id": centres["facility_id"].to_numpy(),
            "name": centres["facility_id"].map(fac_names).to_numpy(),
        },
        geometry=centres.geometry.to_crs(4326).values,
        crs=4326,
    ).to_file(out / "社保中心.geojson", driver="GeoJSON")
    other = city.capacity[~city.capacity["resource"].str.startswith(("beds:", "seats:"))]
    other.to_csv(out / "其他资源.csv", index=False, encoding="utf-8-sig")
    if len(city.mobility):
        mobility = city.mobility.assign(
            origin_area=city.mobility["origin_area"].map(code_of),
            dest_area=city.mobility["dest_area"].map(code_of),
        )
        mobility.to_parquet(out / "出行.parquet", index=False)
    if len(city.series):
        series = city.series.assign(area_id=city.series["area_id"].map(code_of).fillna(""))
        series.to_csv(out / "序列.csv", index=False)
        history = city.history.assign(ds=city.history["ds"].dt.strftime("%Y-%m-%d"))
        history.to_csv(out / "历史.csv", index=False)
    if len(city.arrival_profile):
        city.arrival_profile.to_csv(out / "到访.csv", index=False)


MAPPING = """\
# How the Hexi bureau's files become a civicalloc bundle (docs/import.md explains each key).
[bundle]
name = "{name}"
base_year = {base_year}

[areas]                          # GBK shapefile, no .cpg: the encoding is found
file = "社区边界.shp"            # 社区代码 → area_id, 社区名称 → name, 街道名称 → district (preset)
code_length = 12                 # 统计用区划代码; 街道代码 is checked as the parent's prefix
recode.zone = {{ "核心区" = "core", "内城" = "inner", "近郊" = "suburb", "新城区" = "new_town" }}

[[population]]                   # the census workbook: one sheet per 街道, appended
file = "人口普查.xlsx"
sheets = "*"
skip_rows = 1                    # the title row
header_rows = 2                  # 男/女 merged over the age bands: "男|0-4岁"
values = {{ year = {base_year} }}
# 社区 (a name) is joined to the areas' names; 常住人口（万人） is checked against the bands

[[population]]                   # earlier years: long, GBK, by code
file = "历年人口.csv"

[[facilities]]                   # hospital system export: GBK, Baidu coordinates
file = "医疗机构.csv"
coords = "bd09"

[[facilities]]                   # school list picked on Amap
file = "学校.csv"
coords = "gcj02"

[[facilities]]
file = "社保中心.geojson"
values = {{ kind = "social_insurance_centre" }}

[[capacity]]                     # beds by department, hospitals named
file = "床位.csv"

[[capacity]]                     # seats per grade, as columns of the school list
file = "学校.csv"
columns = {{ facility_id = "学校代码" }}
wide = {{ columns = {grades}, into = "resource", value = "amount" }}

[[capacity]]
file = "其他资源.csv"

[[workforce]]                    # teachers per subject
file = "教师.xlsx"
sheet = "专任教师"

[[workforce]]
file = "医务人员.csv"

[mobility]
file = "出行.parquet"

[series]
file = "序列.csv"

[history]
file = "历史.csv"

[arrival_profile]
file = "到访.csv"

# (Optional tables may be left out; the fixture keeps them so the full run works.)
"""

SCENARIO = """\
# The imported city, planned five years ahead (civicalloc run {scenario}).
name = "imported city"
owner = "admin"
description = "The city built by civicalloc import from the bureau's files."
city = "{city}"
base_year = {base_year}
horizon = 5
seed = 7
models = ["access", "forecast", "health.outreach", "health.beds", "education.districts",
          "education.teachers", "social_security.staffing"]

[rules]
max_travel_minutes = 30
service_level_target = 0.8
service_level_minutes = 20
reassignment_limit = 0.2

[solver]
name = "highs"
time_limit_s = 20
gap_rel = 0.01
"""


def write_messy_city(
    city: City, out: str | Path, bundle_dir: str = "../city"
) -> dict[str, dict[str, str]]:
    """Write the messy files of `city`, `mapping.toml` and `scenario.toml` into `out`.

    Returns crosswalks from the city's ids: {'areas': {area_id: code}, 'area_names': ...,
    'facilities': {facility_id: name}}, for tests that compare the import with the city.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    codes, parents, names = _codes(city.areas)
    fac_names = _facility_names(city)
    _write_areas(city, out, codes, parents, names)
    _write_census(city, out, names)
    _write_history_population(city, out, codes)
    _write_health(city, out, fac_names)
    _write_schools(city, out, fac_names)
    _write_staff(city, out)
    _write_rest(city, out, fac_names, codes)
    base_year = city.base_year or city.latest_year
    grades = "[" + ", ".join(f'"{g}"' for g in GRADE_ZH) + "]"
    (out / "mapping.toml").write_text(
        MAPPING.format(name=city.name, base_year=base_year, grades=grades), encoding="utf-8"
    )
    (out / "scenario.toml").write_text(
        SCENARIO.format(city=bundle_dir, base_year=base_year, scenario=out / "scenario.toml"),
        encoding="utf-8",
    )
    return {
        "areas": dict(zip(city.areas["area_id"], codes, strict=True)),
        "area_names": names,
        "facilities": fac_names,
    }

"""Benchmark: `civicalloc import` of a 5,000-area city from xlsx + shapefile, with the report.

Issue #24's target: under 60 s. The messy files are written from the 5,000-area sample city
(census workbook with merged headers, one sheet per 街道; GBK shapefile; GBK CSVs; GCJ-02 and
BD-09 points), then imported (read, checked, written, validated again) and the data-quality
report written. Baseline, same run: a plain read of the same files with pandas (openpyxl) and
geopandas (pyogrio), without any checking — the floor any import pays.

    .venv/bin/python bench/import.py [--areas 5000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def timed(fn):
    """(result, wall seconds, CPU seconds) of fn()."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def plain_read(raw: Path) -> int:
    """Every file read as it is with pandas / geopandas, no checks: rows read."""
    import geopandas as gpd
    import pandas as pd

    rows = 0
    rows += sum(len(f) for f in pd.read_excel(raw / "人口普查.xlsx", sheet_name=None,
                                              header=[1, 2]).values())  # fmt: skip
    rows += len(gpd.read_file(raw / "社区边界.shp", encoding="gb18030"))
    csvs = {"历年人口.csv": "gb18030", "医疗机构.csv": "gb18030", "床位.csv": "gb18030",
            "学校.csv": "utf-8-sig", "医务人员.csv": "gb18030", "其他资源.csv": "utf-8-sig",
            "序列.csv": "utf-8", "历史.csv": "utf-8", "到访.csv": "utf-8"}  # fmt: skip
    for name, enc in csvs.items():
        rows += len(pd.read_csv(raw / name, encoding=enc))
    rows += len(pd.read_excel(raw / "教师.xlsx"))
    rows += len(pd.read_parquet(raw / "出行.parquet"))
    rows += len(gpd.read_file(raw / "社保中心.geojson"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=5000)
    args = parser.parse_args()

    from demand.bundle import make_sample_city
    from demand.importing.fixture import write_messy_city
    from demand.importing.run import import_city
    from scenarios.quality_report import write_quality_report

    root = Path(tempfile.mkdtemp(prefix="civicalloc-bench-import-"))
    try:
        city, wall, _ = timed(lambda: make_sample_city(n_areas=args.areas, seed=7))
        _, wall_w, _ = timed(lambda: write_messy_city(city, root / "raw"))
        size = sum(p.stat().st_size for p in (root / "raw").iterdir()) / 1e6
        print(f"sample city {args.areas} areas ({wall:.1f} s), messy files written "
              f"({wall_w:.1f} s, {size:.1f} MB)")  # fmt: skip
        print(f"load: {os.getloadavg()[0]:.2f} (1-min average; other work inflates wall time)")

        rows, b_wall, b_cpu = timed(lambda: plain_read(root / "raw"))
        print(f"baseline  plain pandas/geopandas read, no checks: {b_wall:6.1f} s wall, "
              f"{b_cpu:6.1f} s CPU ({rows:,} rows)")  # fmt: skip

        def run():
            result = import_city(root / "raw" / "mapping.toml", root / "city")
            write_quality_report(result.report, root / "city" / "quality", result.city,
                                 result.log, tables=result.tables)  # fmt: skip
            return result

        result, i_wall, i_cpu = timed(run)
        assert result.report.ok, result.report.lines()[:5]
        print(f"civicalloc import + validate + quality report:    {i_wall:6.1f} s wall, "
              f"{i_cpu:6.1f} s CPU ({len(result.city.population):,} population rows, "
              f"{len(result.city.areas):,} areas) — target < 60 s: "
              f"{'met' if i_wall < 60 else 'NOT met'}")  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

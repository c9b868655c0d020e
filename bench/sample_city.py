"""Sample city at 300, 1,000 and 5,000 areas: make, write, validate+load, and the max RSS.

The baseline in the same run is a plain read of the same files (pandas/pyogrio, no checks),
so the ratio is what validation costs on top of reading. Run: python bench/sample_city.py
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # bench/ shadows nothing

import pandas as pd  # noqa: E402
import pyogrio  # noqa: E402

from demand.bundle import check_bundle, make_sample_city, write_bundle  # noqa: E402


def _plain_read(path: Path) -> int:
    rows = 0
    for file in path.iterdir():
        if file.suffix == ".csv":
            rows += len(pd.read_csv(file))
        elif file.suffix == ".geojson":
            rows += len(pyogrio.read_dataframe(file))
    return rows


def main(sizes: tuple[int, ...] = (300, 1000, 5000)) -> None:
    print(f"{'areas':>6} {'make s':>7} {'write s':>8} {'read s':>7} {'validate+load s':>16} "
          f"{'ratio':>6} {'rows':>10} {'max RSS MB':>10}")  # fmt: skip
    for n in sizes:
        t0 = time.perf_counter()
        city = make_sample_city(n_areas=n)
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            path = write_bundle(city, Path(tmp) / "city")
            t2 = time.perf_counter()
            rows = _plain_read(path)
            t3 = time.perf_counter()
            loaded, report = check_bundle(path)
            t4 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # bytes, process max
        assert loaded is not None, report
        print(f"{n:>6} {t1 - t0:>7.1f} {t2 - t1:>8.1f} {t3 - t2:>7.1f} {t4 - t3:>16.1f} "
              f"{(t4 - t3) / (t3 - t2):>6.1f} {rows:>10,} {peak / 1e6:>10.0f}")  # fmt: skip


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (300, 1000, 5000))

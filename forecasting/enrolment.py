"""School enrolment by grade and school with grade-progression ratios (cohort-survival method).

For each school, pupils in grade g+1 next year = GPR(g) x pupils in grade g this year, where
GPR(g) is learned from the enrolment history as the ratio of sums over the recent year pairs
(it absorbs repeaters, transfers and moves). The school's entry grade (its lowest grade, e.g.
grade 1 or grade 7) is filled from the projected children of entry age (grade + 5 years old)
living in the school's area times an entry ratio learned the same way; 5-year age bands are
split evenly into single years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from demand.errors import InputError
from forecasting.cohort import single_year_ages

__all__ = ["EnrolmentProjection", "enrolment_from_history", "enrolment_pressure", "ENTRY_AGE"]

ENTRY_AGE = 5  # age = grade + 5: grade 1 at age 6, grade 7 at age 12


def enrolment_from_history(
    history: pd.DataFrame, series: pd.DataFrame, facilities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Pupils per school, grade and year from yearly ``enrolment:grade_k`` history series.

    A school's area comes from the series table, or from ``facilities`` where that is blank.
    """
    meta = series[series["measure"].astype(str).str.startswith("enrolment:grade_")].copy()
    meta["grade"] = meta["measure"].str.extract(r"grade_(\d+)")[0].astype(int)
    area = meta["area_id"].astype("string").fillna("").str.strip()
    if facilities is not None:
        where = facilities.set_index("facility_id")["area_id"].astype(str)
        area = area.where(area != "", meta["facility_id"].map(where))
    if area.isna().any() or (area == "").any():
        bad = meta.loc[area.isna() | (area == ""), "series_id"].iloc[0]
        raise InputError(f"series: {bad} has no area_id; give it one or pass the facilities table")
    meta["area_id"] = area.astype(str)
    out = history.merge(meta[["series_id", "facility_id", "area_id", "grade"]], on="series_id")
    out = out.assign(year=pd.to_datetime(out["ds"]).dt.year, pupils=out["y"].astype(float))
    return out[["facility_id", "area_id", "grade", "year", "pupils"]].reset_index(drop=True)


def _entry_population(population: pd.DataFrame) -> pd.DataFrame:
    """Single-year persons by area, year and age (both sexes)."""
    single = single_year_ages(population)
    return single.groupby(["area_id", "year", "age"], as_index=False)["persons"].sum()


class EnrolmentProjection(BaseEstimator):
    """Projects pupils per school and grade (persons) from enrolment history and population.

    ``n_years`` is how many recent year pairs the ratios average over (all if None).
    """

    def __init__(self, n_years: int | None = 3):
        self.n_years = n_years

    def fit(self, enrolment: pd.DataFrame, population: pd.DataFrame) -> EnrolmentProjection:
        """Learn grade-progression and entry ratios per school."""
        need = ["facility_id", "area_id", "grade", "year", "pupils"]
        missing = [c for c in need if c not in enrolment.columns]
        if missing:
            raise InputError(f"enrolment: missing column(s) {', '.join(missing)}; need {need}")
        enr = enrolment[need].copy()
        enr["facility_id"] = enr["facility_id"].astype(str)
        enr["area_id"] = enr["area_id"].astype(str)
        ages = _entry_population(population)
        entry_ages = enr.groupby("facility_id")["grade"].min().unique() + ENTRY_AGE
        ages = ages[ages["age"].isin(entry_ages)]
        by_area_age = {
            k: g.set_index("year")["persons"] for k, g in ages.groupby(["area_id", "age"])
        }
        empty = pd.Series(dtype=float)
        gpr_rows, entry_rows = [], []
        for (fid, area), g in enr.groupby(["facility_id", "area_id"]):
            wide = g.pivot_table(index="year", columns="grade", values="pupils", aggfunc="sum")
            years = sorted(wide.index)
            if self.n_years:
                years = years[-(int(self.n_years) + 1) :]
            wide = wide.loc[years]
            grades = sorted(wide.columns)
            for lo, hi in zip(grades[:-1], grades[1:], strict=True):
                base = wide[lo].iloc[:-1].to_numpy()
                nxt = wide[hi].iloc[1:].to_numpy()
                ok = ~np.isnan(base) & ~np.isnan(nxt)
                denom = base[ok].sum()
                ratio = nxt[ok].sum() / denom if denom > 0 else np.nan
                gpr_rows.append(
                    {"facility_id": fid, "from_grade": int(lo), "grade": int(hi), "ratio": ratio}
                )
            entry = int(grades[0])
            kids = by_area_age.get((area, entry + ENTRY_AGE), empty)
            both = [y for y in years if y in kids.index and not np.isnan(wide.loc[y, entry])]
            if not both:
                raise InputError(
                    f"enrolment: school {fid} (area {area}) has no year where both its grade "
                    f"{entry} pupils and the area's population are known; give population for "
                    f"at least one of the years {years[0]}-{years[-1]}"
                )
            denom = kids.loc[both].sum()
            ratio = wide.loc[both, entry].sum() / denom if denom > 0 else 0.0
            entry_rows.append(
                {
                    "facility_id": fid,
                    "area_id": area,
                    "grade": entry,
                    "ratio": ratio,
                    "last_year": int(years[-1]),
                }
            )
        self.progression_ = pd.DataFrame(
            gpr_rows, columns=["facility_id", "from_grade", "grade", "ratio"]
        )
        self.entry_ = pd.DataFrame(entry_rows)
        last = enr.sort_values("year").groupby(["facility_id", "grade"]).tail(1)
        self.last_pupils_ = last[["facility_id", "area_id", "grade", "year", "pupils"]]
        self.last_year_ = int(enr["year"].max())
        return self

    def predict(self, population: pd.DataFrame, years: int = 5) -> pd.DataFrame:
        """Pupils per school, grade and year for ``years`` years after the last history year.

        ``population`` (e.g. a CohortProjection forecast) must cover those years by area.
        """
        ages = _entry_population(population).set_index(["area_id", "year", "age"])["persons"]
        ages = ages.to_dict()
        cur = self.last_pupils_.set_index(["facility_id", "grade"])["pupils"].to_dict()
        rows = []
        for k in range(1, int(years) + 1):
            year = self.last_year_ + k
            nxt: dict[tuple[str, int], float] = {}
            for e in self.entry_.itertuples(index=False):
                kids = ages.get((e.area_id, year, e.grade + ENTRY_AGE))
                if kids is None:
                    raise InputError(
                        f"population: no persons for area {e.area_id} in {year}; "
                        "project the population far enough first"
                    )
                nxt[(e.facility_id, e.grade)] = float(e.ratio * kids)
            for p in self.progression_.itertuples(index=False):
                prev = cur.get((p.facility_id, p.from_grade), np.nan)
                nxt[(p.facility_id, p.grade)] = float(p.ratio * prev)
            area = self.entry_.set_index("facility_id")["area_id"].to_dict()
            rows += [
                {"facility_id": f, "area_id": area[f], "grade": g, "year": year, "pupils": v}
                for (f, g), v in nxt.items()
            ]
            cur = nxt
        return pd.DataFrame(rows).sort_values(["facility_id", "year", "grade"], ignore_index=True)


def enrolment_pressure(projection: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """Pupils vs seats per school and year: pupils, seats, utilisation (0-1+), shortfall (seats)."""
    seats = capacity[capacity["resource"].astype(str).str.startswith("seats:grade_")]
    seats = seats.assign(grade=seats["resource"].str.extract(r"grade_(\d+)")[0].astype(int))
    seats = seats.groupby(["facility_id", "grade"], as_index=False)["amount"].sum()
    per = projection.merge(
        seats.rename(columns={"amount": "seats"}), on=["facility_id", "grade"], how="left"
    )
    out = per.groupby(["facility_id", "area_id", "year"], as_index=False)[["pupils", "seats"]].sum(
        min_count=1
    )
    out["utilisation"] = out["pupils"] / out["seats"]
    out["shortfall"] = (out["pupils"] - out["seats"]).clip(lower=0)
    return out

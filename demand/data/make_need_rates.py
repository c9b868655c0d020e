"""How the default need rates in need_rates.csv were derived (run to regenerate the file).

    .venv/bin/python -m demand.data.make_need_rates

The CSV is the thing to edit; this script only records the arithmetic behind the defaults, so a
reviewer can check each figure against its source. Sources and assumptions: docs/demand.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from demand.bundle.schemas import AGE_BANDS

OUT = Path(__file__).with_name("need_rates.csv")

YEARBOOK = "NHC China Health Statistics Yearbook 2022"

# --- hospital admissions per person-year by age (both sexes) ------------------------------
# Crude inpatient admission rate 17.5-19 per 100 per year (2019-2021); age gradient shaped
# like the yearbook's National Health Service Survey (children and the old are admitted most).
ADMISSIONS = {
    "0-4": 0.20, "5-9": 0.06, "10-14": 0.06, "15-19": 0.08, "20-24": 0.11, "25-29": 0.13,
    "30-34": 0.13, "35-39": 0.12, "40-44": 0.13, "45-49": 0.16, "50-54": 0.19, "55-59": 0.22,
    "60-64": 0.27, "65-69": 0.33, "70-74": 0.40, "75-79": 0.48, "80-84": 0.56, "85+": 0.65,
}  # fmt: skip
# women 15-44 are admitted more (childbirth), men of that age less
SEX_FACTOR_15_44 = {"F": 1.30, "M": 0.75}

# share of admissions by bed department, per age group (sums to 1)
DEPT_SHARE = {
    "child": {"paediatrics": 0.80, "surgery": 0.07, "internal_medicine": 0.05,
              "orthopaedics": 0.04, "icu": 0.02, "oncology": 0.01, "cardiology": 0.01},
    "young_F": {"obstetrics_gynaecology": 0.40, "internal_medicine": 0.25, "surgery": 0.16,
                "orthopaedics": 0.07, "cardiology": 0.04, "oncology": 0.06, "icu": 0.02},
    "young_M": {"internal_medicine": 0.39, "surgery": 0.28, "orthopaedics": 0.14,
                "cardiology": 0.08, "oncology": 0.08, "icu": 0.03},
    "mid_F": {"internal_medicine": 0.30, "surgery": 0.20, "cardiology": 0.16,
              "orthopaedics": 0.10, "oncology": 0.15, "icu": 0.03, "geriatrics": 0.02,
              "obstetrics_gynaecology": 0.04},
    "mid_M": {"internal_medicine": 0.34, "surgery": 0.20, "cardiology": 0.16,
              "orthopaedics": 0.10, "oncology": 0.15, "icu": 0.03, "geriatrics": 0.02},
    "old": {"internal_medicine": 0.28, "cardiology": 0.20, "oncology": 0.13, "surgery": 0.12,
            "orthopaedics": 0.09, "geriatrics": 0.13, "icu": 0.05},
    "oldest": {"internal_medicine": 0.25, "cardiology": 0.20, "geriatrics": 0.25,
               "oncology": 0.08, "surgery": 0.07, "orthopaedics": 0.10, "icu": 0.05},
}  # fmt: skip
# average length of stay, days (yearbook: 9.2 days in hospitals, 2021)
ALOS_DAYS = {
    "internal_medicine": 9.0, "surgery": 9.0, "paediatrics": 6.0, "obstetrics_gynaecology": 5.0,
    "cardiology": 8.0, "orthopaedics": 11.0, "oncology": 10.0, "geriatrics": 14.0, "icu": 7.0,
}  # fmt: skip

# --- outpatient visits per person-year (crude ~6; 8.5 billion visits / 1.41 billion, 2021) ---
VISITS = {
    "0-4": 8.0, "5-9": 4.0, "10-14": 3.5, "15-19": 3.0, "20-24": 3.8, "25-29": 4.5,
    "30-34": 4.7, "35-39": 4.8, "40-44": 5.2, "45-49": 6.0, "50-54": 6.8, "55-59": 7.6,
    "60-64": 8.6, "65-69": 9.8, "70-74": 11.0, "75-79": 12.0, "80-84": 12.5, "85+": 12.5,
}  # fmt: skip
VISITS_SEX_FACTOR_15_44 = {"F": 1.20, "M": 0.80}
SPEC_SHARE = {
    "child": {"paediatrics": 0.55, "respiratory": 0.10, "dermatology": 0.05,
              "ophthalmology": 0.05, "orthopaedics": 0.02, "general": 0.23},
    "young_F": {"obstetrics_gynaecology": 0.18, "general": 0.45, "respiratory": 0.08,
                "dermatology": 0.07, "ophthalmology": 0.05, "orthopaedics": 0.06,
                "neurology": 0.04, "endocrinology": 0.04, "cardiology": 0.03},
    "young_M": {"general": 0.50, "respiratory": 0.10, "dermatology": 0.08, "ophthalmology": 0.06,
                "orthopaedics": 0.10, "neurology": 0.05, "endocrinology": 0.05,
                "cardiology": 0.06},
    "mid_F": {"general": 0.40, "cardiology": 0.14, "endocrinology": 0.10, "respiratory": 0.08,
              "neurology": 0.07, "orthopaedics": 0.10, "ophthalmology": 0.06,
              "dermatology": 0.03, "obstetrics_gynaecology": 0.02},
    "mid_M": {"general": 0.42, "cardiology": 0.14, "endocrinology": 0.10, "respiratory": 0.08,
              "neurology": 0.07, "orthopaedics": 0.10, "ophthalmology": 0.06,
              "dermatology": 0.03},
    "old": {"general": 0.33, "cardiology": 0.18, "endocrinology": 0.10, "respiratory": 0.09,
            "neurology": 0.08, "orthopaedics": 0.07, "ophthalmology": 0.06, "dermatology": 0.02,
            "geriatrics": 0.07},
}  # fmt: skip
SPEC_SHARE["oldest"] = SPEC_SHARE["old"]

# --- social-insurance cases handled at a service centre, per person-year (assumptions) ------
# Orders of magnitude from the MOHRSS statistical bulletin (beneficiary counts) times an
# assumed number of in-person cases per beneficiary; see docs/demand.md.
CASES = {
    "pension": lambda sex, lo: 0.60 if lo >= 60 else (0.40 if sex == "F" and lo >= 50 else
                                                       (0.15 if lo >= 55 else
                                                        (0.05 if lo >= 20 else 0.0))),
    "medical_insurance": lambda sex, lo: 0.35 if lo >= 65 else 0.15,
    "unemployment": lambda sex, lo: 0.02 if 20 <= lo < 60 else 0.0,
    "work_injury": lambda sex, lo: (0.004 if sex == "M" else 0.002) if 20 <= lo < 60 else 0.0,
    "maternity": lambda sex, lo: (0.08 if sex == "F" else 0.01) if 20 <= lo < 40 else 0.0,
}  # fmt: skip
CASE_SOURCE = "assumption scaled to MOHRSS Statistical Bulletin 2022 beneficiary counts"


def _lower(band: str) -> int:
    return int(band.rstrip("+").split("-")[0])


def _group(sex: str, band: str) -> str:
    lo = _lower(band)
    if lo < 15:
        return "child"
    if lo < 45:
        return f"young_{sex}"
    if lo < 65:
        return f"mid_{sex}"
    return "old" if lo < 80 else "oldest"


def build() -> pd.DataFrame:
    """The default need-rate table."""
    rows = []
    for sex in ("F", "M"):
        for band in AGE_BANDS:
            lo = _lower(band)
            young = 15 <= lo < 45
            adm = ADMISSIONS[band] * (SEX_FACTOR_15_44[sex] if young else 1.0)
            for dept, share in DEPT_SHARE[_group(sex, band)].items():
                a = round(adm * share, 6)
                rows.append(
                    (
                        "health",
                        f"admissions:{dept}",
                        sex,
                        band,
                        a,
                        "admissions per person-year",
                        f"{YEARBOOK}: admissions 17.5-19 per 100 per year, age gradient",
                    )
                )
                rows.append(
                    (
                        "health",
                        f"beds:{dept}",
                        sex,
                        band,
                        round(adm * share * ALOS_DAYS[dept] / 365.0, 8),
                        "occupied beds per person",
                        f"{YEARBOOK}: admissions x average stay {ALOS_DAYS[dept]:g} days / 365",
                    )
                )
            vis = VISITS[band] * (VISITS_SEX_FACTOR_15_44[sex] if young else 1.0)
            for spec, share in SPEC_SHARE[_group(sex, band)].items():
                rows.append(
                    (
                        "health",
                        f"outpatient_visits:{spec}",
                        sex,
                        band,
                        round(vis * share, 6),
                        "visits per person-year",
                        f"{YEARBOOK}: ~6 outpatient visits per person-year, age gradient",
                    )
                )
            for benefit, fn in CASES.items():
                rate = fn(sex, lo)
                if rate > 0:
                    rows.append(
                        (
                            "social_security",
                            f"caseload:{benefit}",
                            sex,
                            band,
                            rate,
                            "cases per person-year",
                            CASE_SOURCE,
                        )
                    )
    for grade in range(1, 10):
        rows.append(
            (
                "education",
                f"seats:grade_{grade}",
                "*",
                str(5 + grade),
                1.0,
                "pupils per person of that single-year age",
                "MOE Statistical Bulletin 2022: primary net enrolment 99.9%, "
                "junior middle gross enrolment 102.5% (compulsory ages 6-14)",
            )
        )
    cols = ["service", "resource", "sex", "age_band", "rate", "unit", "source"]
    return pd.DataFrame(rows, columns=cols)  # fmt: skip


if __name__ == "__main__":
    table = build()
    table.to_csv(OUT, index=False)
    print(f"wrote {len(table)} rates to {OUT}")

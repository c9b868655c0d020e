"""The data contract of a city bundle, written once as data.

Validation (`validate.py`), loading (`load.py`) and the data reference (`docs/data.md`, made by
`docs.py`) all read these tables, so they never disagree (the PyPSA way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

AGE_BANDS: tuple[str, ...] = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
    "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85+",
)  # fmt: skip
SEXES: tuple[str, ...] = ("F", "M")
FACILITY_KINDS: tuple[str, ...] = (
    "hospital",
    "community_health_centre",
    "primary_school",
    "middle_school",
    "kindergarten",
    "social_insurance_centre",
)
PURPOSES: tuple[str, ...] = ("commute", "school", "medical", "other")
SERVICES: tuple[str, ...] = ("health", "education", "social_security")


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    dtype is one of: str, int, float, date, geometry. `minimum` applies to numbers; `allowed`
    lists the permitted values; `references` names "table.column" that must hold the value.
    """

    name: str
    dtype: str
    description: str
    unit: str = ""
    required: bool = True
    default: object = None
    minimum: float | None = None
    allowed: tuple[str, ...] | None = None
    references: str | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class TableSchema:
    """One contract table: its columns, its key, and its place in the bundle."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    geometry: str | None = None  # "Polygon" or "Point" for spatial tables
    extra: str = ""  # further rules, in words, for the data reference

    def column(self, name: str) -> Column:
        """The column called `name`."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required_columns(self) -> list[str]:
        """Names of the columns every file of this table must have."""
        return [c.name for c in self.columns if c.required]


def _id(name: str, what: str, references: str | None = None) -> Column:
    return Column(name, "str", what, references=references)


SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in [
        TableSchema(
            "areas",
            "Neighbourhoods (residential units): the polygons need is counted in.",
            (
                _id("area_id", "Unique id of the area."),
                Column("name", "str", "Name shown to users.", required=False, default=""),
                Column(
                    "district",
                    "str",
                    "Administrative district (街道/区).",
                    required=False,
                    default="",
                ),
                Column(
                    "zone",
                    "str",
                    "Urban zone type, for summaries.",
                    required=False,
                    default="",
                    allowed=("core", "inner", "suburb", "new_town", ""),
                ),
                Column(
                    "geometry",
                    "geometry",
                    "Area outline; any CRS, projected internally.",
                    unit="CRS units",
                ),
            ),
            key=("area_id",),
            geometry="Polygon",
            extra="Polygons must be valid and non-empty; overlaps beyond 1% of the smaller "
            "area give a warning.",
        ),
        TableSchema(
            "population",
            "Residents by area, year, sex and 5-year age band (aggregated counts only).",
            (
                _id("area_id", "Area the residents live in.", references="areas.area_id"),
                Column("year", "int", "Calendar year of the count.", unit="year", minimum=1900),
                Column("sex", "str", "Sex.", allowed=SEXES),
                Column(
                    "age_band",
                    "str",
                    "Age band: 'a-b' in whole years, or 'a+' for the last.",
                    pattern=r"^\d+(-\d+|\+)$",
                ),
                Column("persons", "int", "Number of residents.", unit="persons", minimum=0),
            ),
            key=("area_id", "year", "sex", "age_band"),
            extra="Per year, the age bands must cover 0 to the open band without gaps or overlaps.",
        ),
        TableSchema(
            "mobility",
            "Origin–destination flows between areas by purpose (aggregated).",
            (
                _id("origin_area", "Area trips start from (home).", references="areas.area_id"),
                _id("dest_area", "Area trips go to.", references="areas.area_id"),
                Column("purpose", "str", "Trip purpose.", allowed=PURPOSES),
                Column(
                    "trips_per_day",
                    "float",
                    "Average trips on a working day.",
                    unit="trips/day",
                    minimum=0,
                ),
            ),
            key=("origin_area", "dest_area", "purpose"),
            required=False,
        ),
        TableSchema(
            "facilities",
            "Places that provide a service: hospitals, community health centres, schools, "
            "social-insurance service centres.",
            (
                _id("facility_id", "Unique id of the facility."),
                Column("kind", "str", "Kind of facility.", allowed=FACILITY_KINDS),
                Column("name", "str", "Name shown to users.", required=False, default=""),
                _id("area_id", "Area the facility stands in.", references="areas.area_id"),
                Column(
                    "geometry",
                    "geometry",
                    "Location (point), same CRS as areas or reprojected to it.",
                    unit="CRS units",
                ),
            ),
            key=("facility_id",),
            geometry="Point",
            extra="A point outside every area gives a warning.",
        ),
        TableSchema(
            "capacity",
            "What each facility can hold, per resource.",
            (
                _id("facility_id", "Facility.", references="facilities.facility_id"),
                Column(
                    "resource",
                    "str",
                    "Resource as kind:detail, e.g. beds:cardiology, "
                    "seats:grade_3, rooms:consultation, hosts:cardiology, counters.",
                    pattern=r"^[a-z_]+(:[a-z0-9_]+)?$",
                ),
                Column(
                    "amount",
                    "float",
                    "Amount of the resource (beds, seats, rooms per "
                    "half-day, counters; 1 for hosts:*).",
                    unit="units",
                    minimum=0,
                ),
            ),
            key=("facility_id", "resource"),
        ),
        TableSchema(
            "workforce",
            "Staff per facility and role.",
            (
                _id("facility_id", "Facility.", references="facilities.facility_id"),
                Column(
                    "role",
                    "str",
                    "Role as kind:detail, e.g. specialist:cardiology, gp, "
                    "teacher:math, caseworker.",
                    pattern=r"^[a-z_]+(:[a-z0-9_]+)?$",
                ),
                Column("headcount", "int", "People in the role.", unit="persons", minimum=0),
                Column(
                    "fte", "float", "Full-time equivalents.", unit="FTE", minimum=0, required=False
                ),
            ),
            key=("facility_id", "role"),
        ),
        TableSchema(
            "series",
            "What each history series measures.",
            (
                _id("series_id", "Unique id of the series."),
                Column("service", "str", "Service the series belongs to.", allowed=SERVICES),
                Column(
                    "measure",
                    "str",
                    "What is counted, e.g. admissions:cardiology, "
                    "outpatient_visits:cardiology, caseload:pension, enrolment:grade_3.",
                    pattern=r"^[a-z_]+(:[a-z0-9_]+)?$",
                ),
                Column(
                    "facility_id",
                    "str",
                    "Facility the series is counted at, if any.",
                    required=False,
                    default="",
                    references="facilities.facility_id",
                ),
                Column(
                    "area_id",
                    "str",
                    "Area the series is counted for, if any.",
                    required=False,
                    default="",
                    references="areas.area_id",
                ),
            ),
            key=("series_id",),
            required=False,
        ),
        TableSchema(
            "history",
            "Past values of each series, long format (monthly or yearly).",
            (
                _id("series_id", "Series.", references="series.series_id"),
                Column(
                    "ds",
                    "date",
                    "Period start: first day of the month (monthly) or of the year (yearly).",
                    unit="date",
                ),
                Column(
                    "y",
                    "float",
                    "Value in the period (admissions, visits, cases, pupils).",
                    unit="count",
                    minimum=0,
                ),
            ),
            key=("series_id", "ds"),
            required=False,
            extra="Each series must have one frequency (monthly or yearly) without gaps.",
        ),
        TableSchema(
            "travel",
            "Travel time from areas to facilities, when supplied rather than computed.",
            (
                _id("area_id", "Origin area.", references="areas.area_id"),
                _id("facility_id", "Destination facility.", references="facilities.facility_id"),
                Column("minutes", "float", "Door-to-door travel time.", unit="minutes", minimum=0),
            ),
            key=("area_id", "facility_id"),
            required=False,
        ),
        TableSchema(
            "arrival_profile",
            "Visits to service centres by weekday and opening hour, aggregated over a period.",
            (
                _id("facility_id", "Service centre.", references="facilities.facility_id"),
                Column("weekday", "int", "Day of week, 0 = Monday.", minimum=0),
                Column("hour", "int", "Hour the visit started (local time).", minimum=0),
                Column("visits", "float", "Visits counted in that slot.", unit="visits", minimum=0),
            ),
            key=("facility_id", "weekday", "hour"),
            required=False,
        ),
    ]
}

# The order in which tables are checked and written: referenced tables first.
TABLE_ORDER: tuple[str, ...] = tuple(SCHEMAS)


@dataclass
class BundleFormat:
    """How a bundle may be laid out on disk, for the reference."""

    folder_suffixes: tuple[str, ...] = (".csv", ".parquet", ".geojson", ".gpkg")
    notes: list[str] = field(
        default_factory=lambda: [
            "A folder with one file per table, named after the table: `areas.geojson`, "
            "`population.csv`, … Attribute tables may be CSV (UTF-8, header row) or Parquet; "
            "spatial tables (areas, facilities) GeoJSON, GeoPackage or GeoParquet.",
            "Or one GeoPackage file with one layer per table (attribute tables as "
            "non-spatial layers).",
            "Optional `bundle.toml` with `name`, `base_year` and `description`.",
        ]
    )

"""The plans the models write, described as data like the inputs (``schemas.py``): every plan
frame's columns with unit, meaning, and labels in English and Chinese (zh-CN).

Exports (a data dictionary beside the CSVs), the app's column labels and units, small-cell
suppression (``Unit.counts_people``) and ``docs/data.md`` all read this one table, so they never
disagree. A plan is keyed by the name a run stores it under (``outreach_schedule``,
``enrolment_primary``); ``{level}`` stands for a school level. A test checks that every plan of
every model has a schema and every column a description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Unit:
    """A unit of measure as plans and KPIs store it, with how each language writes it.

    counts_people: the value counts people (residents, pupils, patients, visits, cases), so
    small values are suppressed on every map, table, chart and export.
    """

    name: str
    en: str
    zh: str
    counts_people: bool = False


UNITS: dict[str, Unit] = {
    u.name: u
    for u in [
        Unit("", "", ""),
        Unit("persons", "persons", "人", counts_people=True),
        Unit("pupils", "pupils", "名学生", counts_people=True),
        Unit("patients/year", "patients a year", "人次/年", counts_people=True),
        Unit("patients/day", "patients a day", "人次/日", counts_people=True),
        Unit("visits/week", "visits a week", "人次/周", counts_people=True),
        Unit("visitors/month", "visitors a month", "人次/月", counts_people=True),
        Unit("visitors/year", "visitors a year", "人次/年", counts_people=True),
        Unit("visitors/hour", "visitors an hour", "人次/小时", counts_people=True),
        Unit("cases/month", "cases a month", "件/月", counts_people=True),
        Unit("cases/year", "cases a year", "件/年", counts_people=True),
        Unit("visits/year", "visits a year", "人次/年", counts_people=True),
        Unit("occupied beds", "occupied beds", "张占用床位", counts_people=True),  # a patient each
        Unit("beds", "beds", "张床位"),
        Unit("seats", "seats", "个学位"),
        Unit("rooms", "rooms", "间诊室"),
        Unit("counters", "counters", "个窗口"),
        Unit("schools", "schools", "所学校"),
        Unit("areas", "areas", "个地区"),
        Unit("pieces", "pieces of land", "块"),
        Unit("m", "metres", "米"),
        Unit("specialists", "specialists", "名专科医生"),
        Unit("teachers", "teachers", "名教师"),
        Unit("caseworkers", "caseworkers", "名窗口人员"),
        Unit("servers", "staffed counters", "个在岗窗口"),
        Unit("sessions/week", "sessions a week", "次/周"),
        Unit("half-days/week", "half-days a week", "个半天/周"),
        Unit("minutes", "minutes", "分钟"),
        Unit("days", "days", "天"),
        Unit("share", "%", "%"),
        Unit("points", "percentage points", "个百分点"),
        Unit("year", "year", "年"),
        Unit("month", "month", "月"),
        Unit("months", "months", "个月"),
        Unit("date", "date", "日期"),
        Unit("yes/no", "yes/no", "是/否"),
        Unit("index 0–1", "(index 0–1)", "（0–1 指数）"),
        Unit("need units", "need units", "需求单位"),
        Unit("capacity/need", "(supply / need)", "（供给/需求）"),
        Unit("half-days/week per 1,000", "half-days a week per 1,000", "个半天/周/千人"),
        Unit("beds per 1,000", "beds per 1,000", "张床位/千人"),
        Unit("seats per 1,000", "seats per 1,000", "个学位/千人"),
        Unit("counters per 1,000", "counters per 1,000", "个窗口/千人"),
        Unit("objective units", "objective units", "目标函数单位"),
    ]
}


@dataclass(frozen=True)
class PlanColumn:
    """One column of a plan: name (``{model}``, ``{level}`` stand for a forecasting model's name
    and an interval level), unit (a key of ``UNITS``), meaning, and its label in each language."""

    name: str
    unit: str
    meaning: str
    en: str
    zh: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"column {self.name}: unknown unit {self.unit!r}; add it to UNITS")

    @property
    def pattern(self) -> re.Pattern:
        """The column names this entry describes."""
        text = re.escape(self.name).replace(r"\{model\}", r"[A-Za-z]+")
        return re.compile(text.replace(r"\{level\}", r"\d+") + r"\Z")

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` ("zh" or "zh-CN" for Chinese, else English)."""
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True)
class PlanSchema:
    """One plan frame: the name a run stores it under, the model that writes it, what a row is,
    its title in each language, and its columns."""

    name: str
    model: str
    row: str
    en: str
    zh: str
    columns: tuple[PlanColumn, ...]

    def column(self, name: str) -> PlanColumn | None:
        """The entry describing column ``name`` (None if the plan has no such column)."""
        for col in self.columns:
            if col.name == name or col.pattern.match(name):
                return col
        return None

    def title(self, lang: str = "en") -> str:
        """The plan's title in ``lang``."""
        return self.zh if lang.startswith("zh") else self.en


def _c(name: str, unit: str, meaning: str, en: str, zh: str) -> PlanColumn:
    return PlanColumn(name, unit, meaning, en, zh)


# --- columns many plans share ---------------------------------------------------------------

AREA = _c("area_id", "", "Area (neighbourhood) id of the city bundle.", "Area", "地区")
HOSPITAL = _c("hospital_id", "", "Hospital (facility id).", "Hospital", "医院")
CENTRE = _c("centre_id", "", "Community health centre (facility id).", "Centre", "社区卫生服务中心")
SPECIALTY = _c("specialty", "", "Medical specialty, e.g. cardiology.", "Specialty", "专科")
SCHOOL = _c("school_id", "", "School (facility id).", "School", "学校")
FACILITY = _c("facility_id", "", "Facility id of the city bundle.", "Facility", "设施")
SUBJECT = _c("subject", "", "Teaching subject.", "Subject", "学科")
YEAR = _c("year", "year", "Calendar year.", "Year", "年份")
MONTH = _c("month", "month", "Month of the plan (YYYY-MM).", "Month", "月份")
GEOMETRY = _c("geometry", "", "Outline of the district (polygon).", "Outline", "边界")


def _district_columns(level_note: str) -> tuple[PlanColumn, ...]:
    return (
        _c("school_id", "", f"School whose district this is ({level_note}).", "School", "学校"),
        _c("units", "areas", "Areas (units) in the district.", "Areas", "地区数"),
        _c("pupils", "pupils", "Pupils of the plan year living in the district.", "Pupils",
           "学生数"),
        _c("pieces", "pieces", "Separate pieces of land on the map: more than 1 where an area "
           "is itself in several parts (islands) or the district crosses water.", "Pieces",
           "地块数"),
        GEOMETRY,
    )  # fmt: skip


_PLANS: list[PlanSchema] = [
    # --- access and forecasts -----------------------------------------------------------------
    PlanSchema(
        "access_by_area",
        "access",
        "area and service line in the planning year",
        "Access per area",
        "各地区可达性",
        (
            AREA,
            _c("service", "", "Bureau: health, education or social_security.", "Bureau", "部门"),
            _c(
                "service_line",
                "",
                "Service line, e.g. hospital beds, primary school.",
                "Service line",
                "服务类别",
            ),
            _c(
                "persons",
                "persons",
                "Residents of the area in the group the line serves.",
                "Residents",
                "人口",
            ),
            _c(
                "need",
                "need units",
                "Need of the area for the line (beds, visits, seats...).",
                "Need",
                "需求",
            ),
            _c(
                "access",
                "capacity/need",
                "2SFCA access: capacity within reach per unit of need (1 = enough).",
                "Access",
                "可达性",
            ),
            _c(
                "nearest_minutes",
                "minutes",
                "Travel to the nearest facility of the line.",
                "Nearest facility",
                "到最近设施",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "population_by_age_group",
        "forecast",
        "year and broad age group",
        "Population by age group",
        "分年龄组人口",
        (
            YEAR,
            _c("age_group", "", "Broad age group, e.g. 0-14, 15-64, 65+.", "Age group", "年龄组"),
            _c(
                "persons",
                "persons",
                "Residents (cohort projection, shocks included).",
                "Residents",
                "人口",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "enrolment_pressure",
        "forecast",
        "school and year",
        "School places ahead",
        "未来学位压力",
        (
            FACILITY,
            AREA,
            YEAR,
            _c("pupils", "pupils", "Pupils expected at the school.", "Pupils", "学生数"),
            _c("seats", "seats", "Seats of the school.", "Seats", "学位"),
            _c("utilisation", "share", "Pupils per seat.", "Utilisation", "学位使用率"),
            _c(
                "shortfall",
                "seats",
                "Pupils beyond the seats (negative: seats to spare).",
                "Seats short",
                "学位缺口",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "caseload_forecast",
        "forecast",
        "series and month ahead",
        "Caseload forecast",
        "业务量预测",
        (
            _c(
                "series_id",
                "",
                "History series (a centre's benefit, or city: for the city).",
                "Series",
                "序列",
            ),
            _c("ds", "date", "First day of the forecast month.", "Month", "月份"),
            _c("model", "", "Model chosen for the series by backtest.", "Model", "预测方法"),
            _c("yhat", "cases/month", "Forecast of the chosen model.", "Forecast", "预测值"),
            _c(
                "yhat-lo-{level}",
                "cases/month",
                "Lower end of the chosen model's interval.",
                "Lower bound",
                "区间下限",
            ),
            _c(
                "yhat-hi-{level}",
                "cases/month",
                "Upper end of the chosen model's interval.",
                "Upper bound",
                "区间上限",
            ),
            _c(
                "{model}",
                "cases/month",
                "Forecast of one candidate model.",
                "Candidate model",
                "候选方法预测",
            ),
            _c(
                "{model}-lo-{level}",
                "cases/month",
                "Lower end of a candidate's interval.",
                "Candidate lower bound",
                "候选方法区间下限",
            ),
            _c(
                "{model}-hi-{level}",
                "cases/month",
                "Upper end of a candidate's interval.",
                "Candidate upper bound",
                "候选方法区间上限",
            ),
        ),
    ),  # fmt: skip
    # --- health: specialist outreach ------------------------------------------------------------
    PlanSchema(
        "outreach_schedule",
        "health.outreach",
        "hospital pool (specialty) at one centre",
        "Weekly outreach schedule",
        "专家下沉排班",
        (
            HOSPITAL,
            SPECIALTY,
            CENTRE,
            _c(
                "sessions",
                "sessions/week",
                "Half-day sessions the pool holds at the centre.",
                "Sessions",
                "出诊次数",
            ),
            _c(
                "half_days_used",
                "half-days/week",
                "Specialists' half-days, travel included.",
                "Half-days used",
                "占用半天数",
            ),
            _c(
                "one_way_minutes",
                "minutes",
                "Drive from hospital to centre, one way.",
                "One-way drive",
                "单程车程",
            ),
            _c(
                "specialist_minutes",
                "minutes",
                "Specialists' travel a week (round trips).",
                "Specialist travel",
                "专家路途时间",
            ),
            _c(
                "visit_capacity",
                "visits/week",
                "Visits the sessions can see.",
                "Visit capacity",
                "可接诊人次",
            ),
            _c(
                "slots",
                "",
                "Half-days of the week (Mon AM x2 = two rooms that half-day); "
                "'unplaced' = no free room or specialist that half-day.",
                "Half-day slots",
                "出诊时段",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "outreach_visits_served",
        "health.outreach",
        "area's visits in one specialty seen at one centre",
        "Visits served at centres",
        "社区接诊人次",
        (
            AREA,
            SPECIALTY,
            _c(
                "from_area",
                "",
                "Where the trip starts: home (= area_id) or the workplace area.",
                "Trip from",
                "出发地区",
            ),
            CENTRE,
            _c(
                "visits_per_week", "visits/week", "Visits seen at the centre.", "Visits", "接诊人次"
            ),
            _c("minutes", "minutes", "Residents' trip to the centre, one way.", "Trip", "单程时间"),
        ),
    ),  # fmt: skip
    PlanSchema(
        "outreach_by_area",
        "health.outreach",
        "area",
        "Outreach per area",
        "各地区专科可及",
        (
            AREA,
            _c(
                "need",
                "visits/week",
                "Specialist visits that could be seen near home.",
                "Need",
                "需求人次",
            ),
            _c("served", "visits/week", "Of those, seen at a centre.", "Served", "已满足"),
            _c("unmet", "visits/week", "Of those, not seen at any centre.", "Unmet", "未满足"),
            _c("unmet_share", "share", "Unmet per visit of need.", "Unmet share", "未满足比例"),
            _c(
                "minutes_before",
                "minutes",
                "Average trip per visit today (nearest hospital).",
                "Trip today",
                "现状平均路程",
            ),
            _c(
                "minutes_after",
                "minutes",
                "Average trip per visit with the plan.",
                "Trip with the plan",
                "方案平均路程",
            ),
            _c("minutes_change", "minutes", "With the plan less today.", "Change", "变化"),
        ),
    ),  # fmt: skip
    PlanSchema(
        "outreach_unmet",
        "health.outreach",
        "area and specialty with unmet visits",
        "Unmet specialist visits",
        "未满足的专科需求",
        (
            AREA,
            SPECIALTY,
            _c(
                "visits_per_week",
                "visits/week",
                "Visits not seen at any centre.",
                "Unmet visits",
                "未满足人次",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "outreach_pools",
        "health.outreach",
        "hospital's specialists of one specialty",
        "Specialist pools",
        "专家资源",
        (
            HOSPITAL,
            SPECIALTY,
            _c(
                "specialists",
                "specialists",
                "Specialists in the pool (headcount).",
                "Specialists",
                "专科医生数",
            ),
            _c(
                "sessions",
                "sessions/week",
                "Outreach sessions the pool holds.",
                "Sessions",
                "出诊次数",
            ),
            _c(
                "half_days_used",
                "half-days/week",
                "Outreach half-days, travel included.",
                "Half-days used",
                "占用半天数",
            ),
            _c(
                "outreach_limit",
                "half-days/week",
                "Outreach half-days the rules allow.",
                "Outreach limit",
                "下沉上限",
            ),
            _c(
                "in_house_half_days",
                "half-days/week",
                "Half-days left at the hospital.",
                "At the hospital",
                "院内半天数",
            ),
            _c(
                "in_house_share",
                "share",
                "Share of working half-days at the hospital.",
                "In-house share",
                "院内比例",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "outreach_centres",
        "health.outreach",
        "community health centre",
        "Centres' rooms",
        "中心诊室",
        (
            CENTRE,
            _c("rooms", "rooms", "Consultation rooms.", "Rooms", "诊室"),
            _c(
                "room_half_days",
                "half-days/week",
                "Room half-days kept for visiting specialists.",
                "Room half-days",
                "可用诊室半天",
            ),
            _c("sessions", "sessions/week", "Sessions held there.", "Sessions", "出诊次数"),
        ),
    ),  # fmt: skip
    PlanSchema(
        "outreach_objective_parts",
        "health.outreach",
        "part of the objective",
        "What the plan achieves",
        "方案目标构成",
        (
            _c(
                "part",
                "",
                "Part of the objective (unmet visits, residents' travel, ...).",
                "Part",
                "组成",
            ),
            _c("value", "", "Its value, in the unit its name gives.", "Value", "数值"),
        ),
    ),  # fmt: skip
    PlanSchema(
        "outreach_access_change",
        "health.outreach",
        "area",
        "Specialist access before and after",
        "专科可达性变化",
        (
            AREA,
            _c(
                "access_before",
                "half-days/week per 1,000",
                "2SFCA specialist half-days within reach per 1,000 residents, today.",
                "Access today",
                "现状可达性",
            ),
            _c(
                "access_after",
                "half-days/week per 1,000",
                "The same with the plan's sessions.",
                "Access with the plan",
                "方案可达性",
            ),
            _c(
                "access_change",
                "half-days/week per 1,000",
                "With the plan less today.",
                "Change",
                "变化",
            ),
        ),
    ),  # fmt: skip
    # --- health: beds ---------------------------------------------------------------------------
    PlanSchema(
        "beds_wards",
        "health.beds",
        "ward (hospital and department)",
        "Beds per ward",
        "各科室床位",
        (
            HOSPITAL,
            _c("department", "", "Department, e.g. cardiology.", "Department", "科室"),
            _c("beds_before", "beds", "Beds today.", "Beds today", "现有床位"),
            _c("beds_after", "beds", "Beds with the plan.", "Beds planned", "规划床位"),
            _c(
                "admissions_per_day",
                "patients/day",
                "Projected admissions a day.",
                "Admissions",
                "日均入院",
            ),
            _c("alos_days", "days", "Average length of stay.", "Length of stay", "平均住院日"),
            _c(
                "load_beds",
                "beds",
                "Admissions x length of stay: beds busy on average.",
                "Load",
                "平均占用床位",
            ),
            _c(
                "beds_needed",
                "beds",
                "Beds for the turn-away target (Erlang B).",
                "Beds needed",
                "所需床位",
            ),
            _c("floor", "beds", "Fewest beds the rules leave the ward.", "Floor", "下限"),
            _c("ceiling", "beds", "Most beds the rules allow the ward.", "Ceiling", "上限"),
            _c("change", "beds", "Beds planned less beds today.", "Change", "变化"),
            _c(
                "occupancy_before",
                "share",
                "Expected occupancy today.",
                "Occupancy today",
                "现状使用率",
            ),
            _c(
                "occupancy_after",
                "share",
                "Expected occupancy with the plan.",
                "Occupancy planned",
                "规划使用率",
            ),
            _c(
                "target_occupancy_after",
                "share",
                "Occupancy a ward of the planned size can run at within the turn-away target.",
                "Target occupancy",
                "目标使用率",
            ),
            _c(
                "turned_away_before",
                "patients/year",
                "Patients finding the ward full, today.",
                "Turned away today",
                "现状拒收人次",
            ),
            _c(
                "turned_away_after",
                "patients/year",
                "The same with the plan.",
                "Turned away planned",
                "规划拒收人次",
            ),
            _c(
                "next_bed_saves",
                "patients/year",
                "Patients one more bed would save.",
                "One more bed saves",
                "增一床可减少",
            ),
            _c(
                "last_bed_saves",
                "patients/year",
                "Patients the ward's last bed saves.",
                "Last bed saves",
                "末一床减少",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "beds_hospitals",
        "health.beds",
        "hospital",
        "Beds per hospital",
        "各医院床位",
        (
            HOSPITAL,
            _c("beds_before", "beds", "Beds today.", "Beds today", "现有床位"),
            _c("beds_after", "beds", "Beds with the plan.", "Beds planned", "规划床位"),
            _c("moved_in", "beds", "Beds arriving from other hospitals.", "Moved in", "调入"),
            _c("moved_out", "beds", "Beds leaving for other hospitals.", "Moved out", "调出"),
            _c("new_beds", "beds", "Newly funded beds.", "New beds", "新增床位"),
            _c(
                "turned_away_before",
                "patients/year",
                "Patients finding a ward full, today.",
                "Turned away today",
                "现状拒收人次",
            ),
            _c(
                "turned_away_after",
                "patients/year",
                "The same with the plan.",
                "Turned away planned",
                "规划拒收人次",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "beds_what_binds",
        "health.beds",
        "rule at one place that stops a better plan",
        "What binds",
        "约束因素",
        (
            _c(
                "rule",
                "",
                "The rule (new-bed budget, ward ceiling, ward floor...).",
                "Rule",
                "规则",
            ),
            _c(
                "where", "", "Where it binds (hospital / department, or the city).", "Where", "位置"
            ),
            _c("limit_beds", "beds", "The rule's limit.", "Limit", "限值"),
            _c(
                "saves_per_year_if_relaxed",
                "patients/year",
                "Patients a year one bed more of that limit would save.",
                "Saves if relaxed by one bed",
                "放宽一床可减少",
            ),
        ),
    ),  # fmt: skip
    # --- education --------------------------------------------------------------------------
    PlanSchema(
        "districts_{level}",
        "education.districts",
        "school's new district",
        "New school districts",
        "新学区",
        _district_columns("new"),
    ),  # fmt: skip
    PlanSchema(
        "district_assignment_{level}",
        "education.districts",
        "area (unit)",
        "School of each area",
        "各地区对口学校",
        (
            AREA,
            _c("school_id", "", "School of the area's new district.", "School", "学校"),
            _c("minutes", "minutes", "Trip to that school.", "Trip", "路程"),
            _c("school_today", "", "School of today's district.", "School today", "现对口学校"),
            _c("minutes_today", "minutes", "Trip to today's school.", "Trip today", "现状路程"),
            _c("pupils", "pupils", "Pupils of the area in the plan year.", "Pupils", "学生数"),
            _c("reassigned", "yes/no", "The area changes school.", "Reassigned", "是否调整"),
            _c(
                "beyond_max_minutes",
                "yes/no",
                "The trip is beyond the travel limit (no school within it could take the area, "
                "or the area holds the school but its centre lies farther).",
                "Beyond the travel limit",
                "超出时间上限",
            ),
            _c(
                "unplaced",
                "",
                "Why the area has no district: no school within the travel cutoff, or land that "
                "no counted water crossing joins to a school; empty when it has one.",
                "No district because",
                "未划入学区原因",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "district_links_{level}",
        "education.districts",
        "water crossing",
        "Water crossings counted as neighbours",
        "计为相邻的跨水连接",
        (
            AREA,
            _c("neighbour_id", "", "Area across the water.", "Across", "对岸地区"),
            _c(
                "gap_m",
                "m",
                "Width of the water between the two areas (empty when declared).",
                "Gap",
                "水面宽度",
            ),
            _c(
                "kind",
                "",
                "nearest (the narrowest gap, by rule) or declared (a ferry or bridge "
                "given by the user).",
                "Kind",
                "类型",
            ),
            _c(
                "school_id",
                "",
                "The district that crosses there (both areas in it).",
                "District",
                "学区",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "enrolment_{level}",
        "education.districts",
        "school and year",
        "Pupils per school and year",
        "各校各年学生数",
        (
            SCHOOL,
            _c("status", "", "open, closed or new.", "Status", "状态"),
            YEAR,
            _c("seats", "seats", "Seats of the school.", "Seats", "学位"),
            _c(
                "limit",
                "seats",
                "Seats x (1 + tolerance); 0 for a closed school.",
                "Limit",
                "容量上限",
            ),
            _c(
                "pupils_today",
                "pupils",
                "Pupils with today's districts.",
                "Pupils today",
                "现状学生数",
            ),
            _c(
                "pupils", "pupils", "Pupils with the new districts.", "Pupils planned", "规划学生数"
            ),
            _c(
                "over",
                "pupils",
                "Pupils above the limit with the new districts.",
                "Above capacity",
                "超额学生数",
            ),
            _c("utilisation", "share", "Pupils planned per seat.", "Utilisation", "学位使用率"),
        ),
    ),  # fmt: skip
    PlanSchema(
        "teachers_{level}",
        "education.teachers",
        "school and subject",
        "Teachers per school and subject",
        "各校各学科教师",
        (
            SCHOOL,
            SUBJECT,
            _c("today", "teachers", "Teachers in post today.", "Today", "现有"),
            _c("posted", "teachers", "Teachers posted by the plan.", "Posted", "规划配置"),
            _c(
                "required",
                "teachers",
                "Teachers the pupil-teacher norm requires.",
                "Required",
                "按标准需要",
            ),
            _c("short", "teachers", "Required less posted (0 if none).", "Short", "缺口"),
            _c("moved_in", "teachers", "Teachers arriving.", "Moved in", "调入"),
            _c("moved_out", "teachers", "Teachers leaving.", "Moved out", "调出"),
        ),
    ),  # fmt: skip
    PlanSchema(
        "teacher_subjects_{level}",
        "education.teachers",
        "subject, city-wide",
        "Teachers per subject",
        "各学科教师",
        (
            SUBJECT,
            _c("teachers", "teachers", "Teachers in post city-wide.", "In post", "在岗"),
            _c("required", "teachers", "Teachers required city-wide.", "Required", "需要"),
            _c(
                "short",
                "teachers",
                "Shortage summed over schools after the plan.",
                "Short at schools",
                "学校缺口",
            ),
            _c("moved", "teachers", "Teachers moved between schools.", "Moved", "调动"),
            _c(
                "hired",
                "teachers",
                "New teachers the plan hires (within the budget, rules.new_teachers).",
                "Hired",
                "新聘",
            ),
            _c(
                "city_shortage",
                "teachers",
                "Required less in post and hired, city-wide: still to hire.",
                "City shortage",
                "全市缺口",
            ),
        ),
    ),  # fmt: skip
    # --- social security --------------------------------------------------------------------
    PlanSchema(
        "posting",
        "social_security.staffing",
        "centre and month",
        "Caseworkers per centre and month",
        "各中心各月窗口人员",
        (
            FACILITY,
            MONTH,
            _c("caseworkers_today", "caseworkers", "Caseworkers posted today.", "Today", "现有"),
            _c("caseworkers", "caseworkers", "Caseworkers posted by the plan.", "Planned", "规划"),
            _c("moved_in", "caseworkers", "Caseworkers arriving.", "Moved in", "调入"),
            _c("moved_out", "caseworkers", "Caseworkers leaving.", "Moved out", "调出"),
            _c("counters", "counters", "Counters of the centre.", "Counters", "窗口"),
            _c(
                "servers_needed",
                "servers",
                "Staffed counters the peak hour needs for the target (Erlang C).",
                "Counters needed",
                "所需在岗窗口",
            ),
            _c("at_counter", "servers", "Staffed counters the plan gives.", "Staffed", "在岗窗口"),
            _c("short_servers", "servers", "Needed less staffed.", "Short", "缺口"),
            _c(
                "servers_before",
                "servers",
                "Staffed counters today.",
                "Staffed today",
                "现状在岗窗口",
            ),
            _c(
                "peak_level_before",
                "share",
                "Service level in the peak hour, today.",
                "Peak level today",
                "现状高峰服务水平",
            ),
            _c(
                "month_level_before",
                "share",
                "Service level over the month, today.",
                "Month level today",
                "现状月服务水平",
            ),
            _c(
                "visitors_before",
                "visitors/month",
                "Visitors at counters, today.",
                "Visitors today",
                "现状来访人次",
            ),
            _c(
                "servers_after",
                "servers",
                "Staffed counters with the plan.",
                "Staffed planned",
                "规划在岗窗口",
            ),
            _c(
                "peak_level_after",
                "share",
                "Service level in the peak hour with the plan.",
                "Peak level planned",
                "规划高峰服务水平",
            ),
            _c(
                "month_level_after",
                "share",
                "Service level over the month with the plan.",
                "Month level planned",
                "规划月服务水平",
            ),
            _c(
                "visitors_after",
                "visitors/month",
                "Visitors at counters with the plan (online share taken off).",
                "Visitors planned",
                "规划来访人次",
            ),
            _c(
                "missed_by_points",
                "points",
                "Points the peak hour misses the target by (0 = met).",
                "Missed by",
                "未达标幅度",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "requirements",
        "social_security.staffing",
        "centre and month",
        "Staff needed per centre and month",
        "各中心各月人员需求",
        (
            FACILITY,
            MONTH,
            _c(
                "visitors",
                "visitors/month",
                "Visitors expected at counters.",
                "Visitors",
                "来访人次",
            ),
            _c(
                "peak_arrivals_per_hour",
                "visitors/hour",
                "Arrivals in the busiest hour.",
                "Peak arrivals",
                "高峰到达",
            ),
            _c(
                "servers_needed",
                "servers",
                "Staffed counters the peak hour needs.",
                "Counters needed",
                "所需在岗窗口",
            ),
            _c(
                "caseworkers_needed",
                "caseworkers",
                "Caseworkers to roster for them (shrinkage included).",
                "Caseworkers needed",
                "所需人员",
            ),
        ),
    ),  # fmt: skip
    PlanSchema(
        "staffing_by_centre",
        "social_security.staffing",
        "centre over the year",
        "Service level per centre",
        "各中心服务水平",
        (
            FACILITY,
            _c("name", "", "Name of the centre.", "Name", "名称"),
            _c("caseworkers_today", "caseworkers", "Caseworkers today.", "Today", "现有"),
            _c(
                "caseworkers_planned",
                "caseworkers",
                "Caseworkers planned (monthly average).",
                "Planned",
                "规划",
            ),
            _c(
                "visitors_before",
                "visitors/year",
                "Visitors a year at counters, today.",
                "Visitors today",
                "现状来访人次",
            ),
            _c(
                "visitors_after",
                "visitors/year",
                "The same with the plan.",
                "Visitors planned",
                "规划来访人次",
            ),
            _c("counters", "counters", "Counters of the centre.", "Counters", "窗口"),
            _c(
                "level_before",
                "share",
                "Share of the year's visitors served in time, today.",
                "Level today",
                "现状服务水平",
            ),
            _c("level_after", "share", "The same with the plan.", "Level planned", "规划服务水平"),
            _c(
                "worst_peak_before",
                "share",
                "Lowest peak-hour level in any month, today.",
                "Worst peak today",
                "现状最差高峰",
            ),
            _c(
                "worst_peak_after",
                "share",
                "The same with the plan.",
                "Worst peak planned",
                "规划最差高峰",
            ),
            _c(
                "months_missed",
                "months",
                "Months whose peak hour misses the target.",
                "Months missed",
                "未达标月数",
            ),
        ),
    ),  # fmt: skip
]

#: Every plan frame a model writes, by the name a run stores it under.
PLAN_SCHEMAS: dict[str, PlanSchema] = {plan.name: plan for plan in _PLANS}

#: Need per area is in the unit of its service line's need (``demand.rates.need_units``).
NEED_UNIT_OF_LINE: dict[str, str] = {
    "hospital beds": "occupied beds",
    "outpatient care": "visits/year",
    "primary school": "pupils",
    "middle school": "pupils",
    "social insurance": "cases/year",
}

#: Columns whose unit depends on the row: (plan, column) -> (column naming the row's kind,
#: kind -> unit). Their schema unit is the general one ("need units"); small-cell suppression
#: reads each row's (``scenarios.privacy.plan_units``).
ROW_UNITS: dict[tuple[str, str], tuple[str, dict[str, str]]] = {
    ("access_by_area", "need"): ("service_line", NEED_UNIT_OF_LINE),
    ("outreach_objective_parts", "value"): ("part", {"unmet visits per week": "visits/week"}),
}

#: The school levels that ``{level}`` in a plan's name stands for.
LEVEL_NAMES: tuple[str, ...] = ("primary", "middle")


@cache
def plan_schema(name: str) -> PlanSchema | None:
    """The schema of the plan stored as ``name`` (``enrolment_primary`` is ``enrolment_{level}``);
    None for a plan no model writes."""
    if name in PLAN_SCHEMAS:
        return PLAN_SCHEMAS[name]
    for level in LEVEL_NAMES:
        if name.endswith(f"_{level}"):
            return PLAN_SCHEMAS.get(name[: -len(level)] + "{level}")
    return None


def plan_column(plan: str, column: str) -> PlanColumn | None:
    """The description of ``column`` in the plan stored as ``plan`` (None if not described)."""
    schema = plan_schema(plan)
    return None if schema is None else schema.column(column)


def column_unit(plan: str, column: str) -> Unit | None:
    """The unit of ``column`` in the plan stored as ``plan`` (None if not described)."""
    col = plan_column(plan, column)
    return None if col is None else UNITS[col.unit]


def column_label(plan: str, column: str, lang: str = "en", with_unit: bool = False) -> str:
    """A column's label in ``lang`` ("en", "zh", "zh-CN"), optionally with its unit; the column's
    own name when it is not described."""
    col = plan_column(plan, column)
    if col is None:
        return column
    label = col.label(lang)
    unit = UNITS[col.unit]
    shown = unit.zh if lang.startswith("zh") else unit.en
    if with_unit and shown:
        return f"{label}（{shown}）" if lang.startswith("zh") else f"{label} ({shown})"
    return label


def people_columns(plan: str, columns) -> list[str]:
    """The columns of a plan that count people (their unit's ``counts_people``)."""
    out = []
    for column in columns:
        unit = column_unit(plan, str(column))
        if unit is not None and unit.counts_people:
            out.append(column)
    return out


def data_dictionary(plans) -> list[dict[str, str]]:
    """One row per described column of the named plans: plan, column, unit, meaning, label_en,
    label_zh (written beside exported plans as ``columns.csv``)."""
    rows = []
    for name in plans:
        schema = plan_schema(name)
        if schema is None:
            continue
        for col in schema.columns:
            rows.append(
                {
                    "plan": name,
                    "column": col.name,
                    "unit": col.unit,
                    "meaning": col.meaning,
                    "label_en": col.en,
                    "label_zh": col.zh,
                }
            )
    return rows

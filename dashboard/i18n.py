"""Words on screen in Chinese (zh-CN) and English, and numbers written with their units.

`t(key, lang)` gives a label; `fmt(value, unit, lang)` writes a number the way a bureau reads it
(thousands separators, shares as percentages, the unit in the reader's language).
"""

from __future__ import annotations

import math
import re

from demand.bundle.outputs import LEVEL_NAMES, plan_schema
from demand.bundle.outputs import UNITS as PLAN_UNITS
from scenarios.privacy import counts_people

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

TEXT: dict[str, dict[str, str]] = {
    "app_title": {"zh": "公共服务规划", "en": "Public-service planning"},
    "nav_short": {"zh": "哪里短缺？", "en": "Where are we short?"},
    "nav_forecasts": {"zh": "预测有多可靠？", "en": "How sure are the forecasts?"},
    "nav_plans": {"zh": "方案", "en": "Plans"},
    "nav_compare": {"zh": "情景比较", "en": "Compare scenarios"},
    "nav_whatif": {"zh": "假设分析", "en": "Run a what-if"},
    "nav_data": {"zh": "数据质量", "en": "Data"},
    "logout": {"zh": "退出", "en": "Log out"},
    "login": {"zh": "登录", "en": "Log in"},
    "username": {"zh": "用户名", "en": "User name"},
    "password": {"zh": "密码", "en": "Password"},
    "login_failed": {"zh": "用户名或密码错误", "en": "Wrong user name or password"},
    "signed_in_as": {"zh": "当前用户", "en": "Signed in as"},
    "run": {"zh": "运行结果", "en": "Run"},
    "runs": {"zh": "运行结果（2–4 个）", "en": "Runs (2–4)"},
    "service": {"zh": "服务", "en": "Service"},
    "measure": {"zh": "指标", "en": "Measure"},
    "no_runs": {
        "zh": "还没有可查看的运行结果。请先运行一个情景。",
        "en": "No stored runs you may see yet. Run a scenario first.",
    },
    "refused": {"zh": "无法打开", "en": "Cannot open"},
    "nav_alerts": {"zh": "预警", "en": "Alerts"},
    "alerts_state": {"zh": "状态", "en": "State"},
    "alerts_state_open": {"zh": "未解决", "en": "Open"},
    "alerts_state_new": {"zh": "新预警", "en": "New"},
    "alerts_state_acknowledged": {"zh": "已确认", "en": "Acknowledged"},
    "alerts_state_resolved": {"zh": "已解决", "en": "Resolved"},
    "alerts_state_all": {"zh": "全部", "en": "All"},
    "alerts_pick": {"zh": "选择预警", "en": "Alert"},
    "alerts_note": {"zh": "处理说明", "en": "Note"},
    "alerts_ack": {"zh": "确认预警", "en": "Acknowledge"},
    "alerts_acked": {"zh": "预警 {id} 已确认", "en": "Alert {id} acknowledged"},
    "alerts_kind": {"zh": "类型", "en": "Kind"},
    "alerts_kind_surveillance": {"zh": "异常监测", "en": "Surveillance"},
    "alerts_kind_breach": {"zh": "容量将被突破", "en": "Time to breach"},
    "alerts_kind_rule": {"zh": "指标规则", "en": "Rule"},
    "alerts_period": {"zh": "时期", "en": "Period"},
    "alerts_severity": {"zh": "级别", "en": "Severity"},
    "alerts_sev_critical": {"zh": "严重", "en": "Critical"},
    "alerts_sev_warning": {"zh": "警告", "en": "Warning"},
    "alerts_sev_info": {"zh": "提示", "en": "Info"},
    "alerts_message": {"zh": "内容", "en": "Message"},
    "alerts_map": {"zh": "预警所在位置", "en": "Where the alerts are"},
    "alerts_no_places": {
        "zh": "这些预警没有地图位置",
        "en": "These alerts have no place on the map",
    },
    "alerts_none": {"zh": "没有预警", "en": "No alerts"},
    "alerts_band": {"zh": "预期值至警戒线", "en": "Expected up to the limit"},
    "alerts_observed": {"zh": "实际值", "en": "Observed"},
    "alerts_flagged": {"zh": "已预警", "en": "Flagged"},
    "refused_detail": {
        "zh": "该运行结果不存在或无权查看；此次访问已记录。",
        "en": "It does not exist or is not yours to see; the attempt has been logged.",
    },
    "no_such_run": {
        "zh": "没有可查看的运行结果“{ref}”。",
        "en": "No run “{ref}” that you may open.",
    },
    "published": {"zh": "已发布基线", "en": "published baseline"},
    "form_expired": {
        "zh": "表单已过期，请重新登录。",
        "en": "The form has expired; please sign in again.",
    },
    "locked_out": {
        "zh": "登录失败次数过多，请 {minutes} 分钟后再试。",
        "en": "Too many failed sign-ins; try again in {minutes} minutes.",
    },
    "choose": {"zh": "请选择…", "en": "Select…"},
    "pyramid_note": {
        "zh": "带 * 的年份为预测值（队列要素法推算），其余为统计值。",
        "en": "Years marked * are projected (cohort-component projection); the others are counted.",
    },
    "catchment_note": {
        "zh": "可达性按 {minutes} 分钟内的设施计算：该服务标准 {standard} 分钟与本情景出行时间上限 "
        "{limit} 分钟中的较小者。",
        "en": "Access counts the facilities within {minutes} minutes: the shorter of this "
        "service's standard ({standard} min) and the scenario's travel limit ({limit} min).",
    },
    "model_notes": {"zh": "模型说明", "en": "Notes from the models"},
    "no_notes": {"zh": "模型没有留下说明。", "en": "The models left no notes."},
    "whatif_range": {
        "zh": "{field}：请输入 {lo} 到 {hi} 之间的数值。",
        "en": "{field}: enter a number from {lo} to {hi}.",
    },
    "whatif_travel_help": {
        "zh": "出行时间上限只会缩短比它更长的服务标准（医院、社保 30 分钟）；小学 15 分钟、初中 20 "
        "分钟的标准不变。学区方案中学生的出行时间不超过此上限。",
        "en": "The travel limit shortens only the service standards longer than it (hospitals "
        "and social insurance: 30 min); schools keep their 15 (primary) and 20 (middle) minute "
        "standards. No pupil's school district is further than the limit.",
    },
    "whatif_own_models": {
        "zh": "从已发布基线出发时，新情景属于本部门，只运行本部门的模型。",
        "en": "Started from a published baseline, the new scenario is your bureau's and runs "
        "only your bureau's models.",
    },
    "different_cities": {
        "zh": "{a} 与 {b} 属于不同城市，无法绘制差异图。",
        "en": "{a} and {b} are different cities: no map of differences.",
    },
    "no_access_plan": {"zh": "{name}：没有可达性结果。", "en": "{name}: no access results."},
    "no_plans": {"zh": "{name}：没有可查看的方案。", "en": "{name}: no plans you may see."},
    "no_series": {"zh": "没有本部门的时间序列。", "en": "No series of your bureau."},
    "kpis": {"zh": "城市指标", "en": "City KPIs"},
    "kpi": {"zh": "指标", "en": "KPI"},
    "value": {"zh": "数值", "en": "Value"},
    "unit": {"zh": "单位", "en": "Unit"},
    "facilities": {"zh": "设施", "en": "Facilities"},
    "pick_two": {"zh": "请选择 2–4 个运行结果进行比较。", "en": "Pick 2–4 runs to compare."},
    "difference": {"zh": "差异", "en": "Difference"},
    "diff_map": {"zh": "{b} 与 {a} 的差异", "en": "Where {b} differs from {a}"},
    "kpi_diff": {"zh": "指标及差异", "en": "KPIs and differences"},
    "series": {"zh": "时间序列", "en": "Series"},
    "history": {"zh": "历史", "en": "History"},
    "forecast": {"zh": "预测", "en": "Forecast"},
    "interval": {"zh": "{lv}% 预测区间", "en": "{lv}% interval"},
    "backtest": {"zh": "回测（与季节性朴素法比较）", "en": "Backtest against seasonal naive"},
    "model": {"zh": "方法", "en": "Method"},
    "beats_naive": {
        "zh": "自动选择的方法在回测中优于季节性朴素法：MASE {auto}，朴素法 {naive}。",
        "en": "The automatic choice beats seasonal naive in the backtest: MASE {auto} vs {naive}.",
    },
    "not_beats_naive": {
        "zh": "自动选择的方法在回测中未优于季节性朴素法：MASE {auto}，朴素法 {naive}。",
        "en": "The automatic choice does not beat seasonal naive in the backtest: "
        "MASE {auto} vs {naive}.",
    },
    "coverage": {"zh": "{lv}% 区间覆盖率", "en": "{lv}% interval coverage"},
    "pyramid": {"zh": "人口金字塔", "en": "Population pyramid"},
    "year": {"zh": "年份", "en": "Year"},
    "projected": {"zh": "（预测）", "en": " (projected)"},
    "male": {"zh": "男", "en": "Male"},
    "female": {"zh": "女", "en": "Female"},
    "age_band": {"zh": "年龄组", "en": "Age band"},
    "persons": {"zh": "人", "en": "persons"},
    "plan": {"zh": "方案表", "en": "Plan"},
    "download_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "column": {"zh": "字段", "en": "Column"},
    "before": {"zh": "调整前", "en": "Before"},
    "after": {"zh": "调整后", "en": "After"},
    "no_map": {"zh": "此表没有地区字段，无法绘图。", "en": "This plan has no area column to map."},
    "base_run": {"zh": "基础情景", "en": "Start from"},
    "whatif_name": {"zh": "新情景名称", "en": "Name of the new scenario"},
    "max_travel": {"zh": "最长出行时间（分钟）", "en": "Longest travel (minutes)"},
    "class_size": {"zh": "班额上限（人）", "en": "Class size cap (pupils)"},
    "online_share": {"zh": "线上办理比例（%）", "en": "Share handled online (%)"},
    "service_level": {"zh": "服务水平目标（%）", "en": "Service-level target (%)"},
    "horizon": {"zh": "规划年限（年）", "en": "Horizon (years)"},
    "new_beds": {"zh": "新增床位（张）", "en": "New beds"},
    "new_teachers": {"zh": "新增教师（人）", "en": "New teachers"},
    "new_caseworkers": {"zh": "新增窗口人员（人）", "en": "New caseworkers"},
    "start_run": {"zh": "开始运行", "en": "Run it"},
    "run_done": {
        "zh": "完成：{name}，已可在“情景比较”中查看。",
        "en": "Done: {name} — now in Compare.",
    },
    "open_compare": {"zh": "打开比较", "en": "Open in Compare"},
    "run_failed": {"zh": "运行失败：{msg}", "en": "The run failed: {msg}"},
    "waiting": {"zh": "等待开始", "en": "Waiting to start"},
    "small_cells": {
        "zh": "少于 10 人的格子以“<10”显示。",
        "en": "Counts under 10 persons are shown as “<10”.",
    },
    "health": {"zh": "卫生健康", "en": "Health"},
    "education": {"zh": "教育", "en": "Education"},
    "social_security": {"zh": "人力社保", "en": "Social security"},
    "admin": {"zh": "管理员", "en": "Admin"},
    "access_per_1000": {"zh": "每千人供给", "en": "Supply per 1,000"},
    "access": {"zh": "可达性（供给/需求，1 = 足够）", "en": "Access (supply / need; 1 = enough)"},
    "unmet_need": {"zh": "未满足需求", "en": "Unmet need"},
    "service_line": {"zh": "服务类别", "en": "Service line"},
    "hospital beds": {"zh": "住院床位", "en": "Hospital beds"},
    "outpatient care": {"zh": "门诊", "en": "Outpatient care"},
    "primary school": {"zh": "小学", "en": "Primary school"},
    "middle school": {"zh": "初中", "en": "Middle school"},
    "social insurance": {"zh": "社保服务", "en": "Social insurance"},
    "nearest_minutes": {"zh": "到最近设施（分钟）", "en": "To the nearest facility (minutes)"},
    "owner": {"zh": "部门", "en": "Bureau"},
    "created_at": {"zh": "时间", "en": "When"},
    "scenario": {"zh": "情景", "en": "Scenario"},
}

# Units of KPIs and forecasts that the plan schemas do not name (plan units, and how each
# language writes them, are `demand.bundle.outputs.UNITS`; these come first where both have one).
UNITS: dict[str, dict[str, str]] = {
    "year": {"zh": "年", "en": ""},  # "2027", not "2027 year"
    "cases": {"zh": "件", "en": "cases"},
    "visits per week": {"zh": "人次/周", "en": "visits a week"},
    "half-days": {"zh": "个半天", "en": "half-days"},
    "centre-months": {"zh": "个中心·月", "en": "centre-months"},
    "admissions per month": {"zh": "人次/月", "en": "admissions a month"},
    "admissions per year": {"zh": "人次/年", "en": "admissions a year"},
    "visits per month": {"zh": "人次/月", "en": "visits a month"},
    "visits per year": {"zh": "人次/年", "en": "visits a year"},
    "cases per month": {"zh": "件/月", "en": "cases a month"},
    "cases per year": {"zh": "件/年", "en": "cases a year"},
}
# Units written without a number before them (axis and colour-bar titles).
UNIT_TITLES: dict[str, dict[str, str]] = {
    "share": {"zh": "比例", "en": "share"},
    "year": {"zh": "年份", "en": "year"},
    "admissions per month": {"zh": "入院人次/月", "en": "admissions a month"},
    "admissions per year": {"zh": "入院人次/年", "en": "admissions a year"},
    "visits per month": {"zh": "门诊人次/月", "en": "visits a month"},
    "visits per year": {"zh": "门诊人次/年", "en": "visits a year"},
    "cases per month": {"zh": "件/月", "en": "cases a month"},
    "cases per year": {"zh": "件/年", "en": "cases a year"},
    "pupils": {"zh": "学生", "en": "pupils"},
    "teachers": {"zh": "教师", "en": "teachers"},
    "beds": {"zh": "床位", "en": "beds"},
    "occupied beds": {"zh": "占用床位", "en": "occupied beds"},
    "seats": {"zh": "学位", "en": "seats"},
    "caseworkers": {"zh": "窗口人员", "en": "caseworkers"},
    "specialists": {"zh": "专科医生", "en": "specialists"},
    "schools": {"zh": "学校", "en": "schools"},
    "rooms": {"zh": "诊室", "en": "rooms"},
    "areas": {"zh": "地区数", "en": "areas"},
    "counters": {"zh": "窗口", "en": "counters"},
    "servers": {"zh": "开放窗口", "en": "staffed counters"},
    "half-days": {"zh": "半天", "en": "half-days"},
    "months": {"zh": "月数", "en": "months"},
}
# Counts written as whole numbers (no one is 0.4 of a person, a bed or a teacher).
WHOLE_UNITS = {
    "persons", "pupils", "beds", "seats", "counters", "servers", "teachers", "caseworkers",
    "schools", "cases", "rooms", "areas", "centre-months", "months", "specialists", "half-days",
    "sessions/week", "half-days/week",
}  # fmt: skip

# KPI names: "<service line or school level>: <name>", or a name alone.
KPI_NAMES: dict[str, str] = {
    "persons served": "服务人口",
    "supply (beds)": "供给（床位）",
    "supply (seats)": "供给（学位）",
    "supply (counters)": "供给（窗口）",
    "need": "需求",
    "effective capacity": "有效供给",
    "mean access": "平均可达性",
    "access Gini": "可达性基尼系数",
    "worst decile access": "最差 10% 地区可达性",
    "share beyond 15 min": "15 分钟外人口比例",
    "share beyond 30 min": "30 分钟外人口比例",
    "persons beyond 30 min": "30 分钟外人口",
    "average travel": "平均出行时间",
    "average travel today": "现状平均出行时间",
    "worst travel": "最长出行时间",
    "worst travel today": "现状最长出行时间",
    "optimality gap": "最优性差距",
    "pupils above capacity": "超出学位的学生",
    "pupils above capacity today": "现状超出学位的学生",
    "pupils reassigned": "调整学区的学生",
    "share of pupils reassigned": "调整学区的学生比例",
    "teachers moved": "调动教师",
    "teachers short city-wide": "全市教师缺口",
    "teachers hired": "新聘教师",
    "schools over capacity in the worst year": "最紧张年份超容学校",
    "seats short in the worst year": "最紧张年份学位缺口",
    "worst year for school places": "学位最紧张的年份",
    "outreach sessions per week": "每周下沉坐诊",
    "specialist visits unmet near home": "就近未满足的专科门诊",
    "patients turned away a year, today's beds": "现有床位下每年未能收治患者",
    "patients turned away a year, planned beds": "规划床位下每年未能收治患者",
    "beds moved or added": "调整或新增床位",
    "beds short of need at target occupancy": "目标使用率下床位缺口",
    "cases per month in the planning year (forecast)": "规划年每月业务量（预测）",
    "caseworkers moved or hired (monthly average)": "调动或新招窗口人员（月均）",
    "visitors at counters per year": "每年窗口来访人次",
    "servers short (server-months)": "窗口缺口（窗口·月）",
    "centre-months below target": "未达标的中心·月",
    "service level, today's posting": "服务水平（现有配置）",
    "service level, planned posting": "服务水平（规划配置）",
}
# KPI names with a year or number in them: pattern → zh-CN with the same groups.
KPI_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"residents in (?P<year>\d{4})", "{year} 年常住人口"),
    (r"residents 65\+ in (?P<year>\d{4})", "{year} 年 65 岁及以上人口"),
    (r"share 65\+ in (?P<year>\d{4})", "{year} 年 65 岁及以上人口比例"),
)
# Notes the models leave (English in the store) → what the reader is told, with the same groups.
NOTE_PATTERNS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        r"(?P<n>\d+) hospital\(s\) without admission history left out of bed rebalancing "
        r"\(their load cannot be projected yet\): (?P<ids>.+)",
        {
            "zh": "{n} 家医院没有住院历史数据，未参与床位调整（尚无法预测其住院量）：{ids}。"
            "其床位在有住院记录后才能纳入调整，但已计入“哪里短缺？”的床位可达性。",
            "en": "{n} hospital(s) without admission history are left out of bed rebalancing, "
            "since their load cannot be projected yet: {ids}. Their beds join the rebalancing "
            "once they have admissions on record; they already count in the bed access on "
            "“Where are we short?”.",
        },
    ),
)
# The part before ": " in a KPI name.
KPI_PREFIXES: dict[str, str] = {"primary": "小学", "middle": "初中"}


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The label `key` in `lang` (English when a word lacks a translation), filled with values."""
    entry = TEXT.get(key)
    text = key if entry is None else entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def kpi_name(kpi: str, lang: str) -> str:
    """A KPI's name as the reader says it ('hospital beds: need' → '住院床位：需求')."""
    if lang != "zh":
        return kpi
    if ": " in kpi:
        line, name = kpi.split(": ", 1)
        prefix = KPI_PREFIXES.get(line) or t(line, lang)
        return f"{prefix}：{kpi_name(name, lang)}"
    if kpi in KPI_NAMES:
        return KPI_NAMES[kpi]
    for pattern, zh in KPI_PATTERNS:
        found = re.fullmatch(pattern, kpi)
        if found:
            return zh.format(**found.groupdict())
    return kpi


def note_text(note: str, lang: str) -> str:
    """A model's note in the reader's language (as stored when no translation is known)."""
    for pattern, texts in NOTE_PATTERNS:
        found = re.fullmatch(pattern, note)
        if found:
            return texts[lang].format(**found.groupdict())
    return note


def unit_name(unit: str, lang: str) -> str:
    """A unit in the reader's language (unknown units are shown as stored)."""
    if unit in UNITS:
        return UNITS[unit][lang]
    if unit in PLAN_UNITS:
        return PLAN_UNITS[unit].zh if lang == "zh" else PLAN_UNITS[unit].en
    return unit


def has_unit(unit: str) -> bool:
    """True when `unit` is written in both languages (here or in the plan schemas)."""
    return unit in UNITS or unit in PLAN_UNITS


def unit_title(unit: str, lang: str) -> str:
    """A unit on its own, for an axis or a colour bar ("人", "比例", "（供给/需求）")."""
    if unit in UNIT_TITLES:
        return UNIT_TITLES[unit][lang]
    return unit_name(unit, lang).strip("（）()")


def with_unit(label: str, unit: str, lang: str) -> str:
    """A label with its unit after it: "需求（名学生）", "Need (pupils)"."""
    shown = unit_title(unit, lang) if unit else ""
    if not shown:
        return label
    return f"{label}（{shown}）" if lang == "zh" else f"{label} ({shown})"


def number(value: float, unit: str = "") -> str:
    """A number as a bureau reads it: whole counts, 3 significant figures for small ratios."""
    if unit == "year":
        return f"{value:.0f}"
    if unit in WHOLE_UNITS or counts_people(unit) or abs(value) >= 1000:
        return f"{round(value):,}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def fmt(value: object, unit: str = "", lang: str = DEFAULT_LANG) -> str:
    """A number with its unit, a space between: shares as percentages, counts of people, beds,
    teachers… as whole numbers, '—' when missing. Text values (such as the '<10' of a
    suppressed cell) are kept as they are, with the unit."""
    shown = unit_name(unit, lang)
    if isinstance(value, str):
        return f"{value} {shown}".strip()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    if unit == "share":
        return f"{value * 100:.1f}%"
    text = number(value, unit)
    if not shown:
        return text
    return f"{text}{shown}" if shown.startswith("（") else f"{text} {shown}"


LEVEL_WORDS = {"primary": ("primary", "小学"), "middle": ("middle school", "初中")}


def plan_title(name: str, lang: str) -> str:
    """A plan's title in the reader's language, with its school level (its name if unknown)."""
    schema = plan_schema(name)
    if schema is None:
        return name
    title = schema.title(lang)
    level = next((lv for lv in LEVEL_NAMES if name.endswith(f"_{lv}")), None)
    if level is None:
        return title
    word = LEVEL_WORDS[level][lang == "zh"]
    return f"{title}（{word}）" if lang == "zh" else f"{title} ({word})"

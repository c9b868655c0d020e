"""Words on screen in Chinese (zh-CN) and English, and numbers written with their units.

`t(key, lang)` gives a label; `fmt(value, unit, lang)` writes a number the way a bureau reads it
(thousands separators, shares as percentages, the unit in the reader's language).
"""

from __future__ import annotations

import math

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
    "refused": {"zh": "无权查看", "en": "Not allowed"},
    "refused_detail": {
        "zh": "该运行结果属于其他部门，已记录此次访问。",
        "en": "This run belongs to another bureau; the attempt has been logged.",
    },
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
    "not_your_bureau": {
        "zh": "只能运行本部门的情景。",
        "en": "You may only run your own bureau's scenarios.",
    },
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

# Units as stored with KPIs and plans → how each language writes them.
UNITS: dict[str, dict[str, str]] = {
    "persons": {"zh": "人", "en": "persons"},
    "beds": {"zh": "张床位", "en": "beds"},
    "seats": {"zh": "个学位", "en": "seats"},
    "counters": {"zh": "个窗口", "en": "counters"},
    "minutes": {"zh": "分钟", "en": "minutes"},
    "share": {"zh": "%", "en": "%"},
    "index 0–1": {"zh": "（0–1 指数）", "en": "(index 0–1)"},
    "beds per 1,000": {"zh": "张床位/千人", "en": "beds per 1,000"},
    "seats per 1,000": {"zh": "个学位/千人", "en": "seats per 1,000"},
    "counters per 1,000": {"zh": "个窗口/千人", "en": "counters per 1,000"},
    "need units": {"zh": "需求单位", "en": "need units"},
    "capacity/need": {"zh": "（供给/需求）", "en": "(supply / need)"},
}

KPI_NAMES: dict[str, str] = {
    "persons served": "服务人口",
    "supply (beds)": "供给（床位）",
    "supply (seats)": "供给（学位）",
    "supply (counters)": "供给（窗口）",
    "mean access": "平均可达性",
    "access Gini": "可达性基尼系数",
    "worst decile access": "最差 10% 地区可达性",
    "share beyond 15 min": "15 分钟外人口比例",
    "share beyond 30 min": "30 分钟外人口比例",
    "persons beyond 30 min": "30 分钟外人口",
    "need": "需求",
    "effective capacity": "有效供给",
}


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
        return f"{t(line, lang)}：{KPI_NAMES.get(name, name)}"
    return KPI_NAMES.get(kpi, kpi)


def unit_name(unit: str, lang: str) -> str:
    """A unit in the reader's language (unknown units are shown as stored)."""
    return UNITS.get(unit, {}).get(lang, unit)


def fmt(value: object, unit: str = "", lang: str = DEFAULT_LANG) -> str:
    """A number with its unit: shares as percentages, counts without decimals, '—' when missing.

    Text values (such as the '<10' of a suppressed cell) are kept as they are, with the unit.
    """
    shown = unit_name(unit, lang)
    if isinstance(value, str):
        return f"{value} {shown}".strip()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = float(value)
    if unit == "share":
        return f"{number * 100:.1f}%"
    if unit in ("persons", "beds", "seats", "counters") and abs(number) >= 100:
        text = f"{number:,.0f}"
    elif abs(number) >= 1000:
        text = f"{number:,.0f}"
    elif abs(number) >= 10:
        text = f"{number:,.1f}"
    else:
        text = f"{number:,.2f}"
    if not shown:
        return text
    sep = "" if lang == "zh" and not shown.startswith("(") else " "
    return f"{text}{sep}{shown}"

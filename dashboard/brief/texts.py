"""Every word of a brief, in Chinese (zh-CN) and English: sentence templates with named gaps.

A template holds no digits: every number comes in through a gap as a Figure (``figures.py``),
every name as a Label. ``say(key, lang, **gaps)`` splits a template at its gaps and returns the
parts in order. A test checks that both languages have every key, the same gaps, and no digits.
Names of bureaus, service lines, KPIs and units are the app's (``dashboard.i18n``).
"""

from __future__ import annotations

import re

from dashboard.brief.document import Part

TEXT: dict[str, dict[str, str]] = {
    # --- title page ---------------------------------------------------------------------------
    "title": {"zh": "决策简报", "en": "Decision brief"},
    "title_of": {"zh": "{bureau}决策简报：{run}", "en": "{bureau} decision brief: {run}"},
    "all_bureaus": {"zh": "各部门", "en": "All bureaus"},
    "subtitle": {
        "zh": "方案“{run}”（运行 {run_id}，{when}），对照“{other}”（运行 {other_id}）。",
        "en": "Scenario “{run}” (run {run_id}, {when}), against “{other}” (run {other_id}).",
    },
    "subtitle_alone": {
        "zh": "方案“{run}”（运行 {run_id}，{when}）。",
        "en": "Scenario “{run}” (run {run_id}, {when}).",
    },
    "prepared_for": {
        "zh": "为{who}编制；所有数字均取自结果库，来源见文末附表。",
        "en": "Prepared for {who}; every number is read from the results store, with its source "
        "in the annex.",
    },
    "small_cells": {
        "zh": "少于 {threshold} 人的计数以“<{threshold}”显示。",
        "en": "Counts of fewer than {threshold} people are shown as “<{threshold}”.",
    },
    # --- headline and gaps ----------------------------------------------------------------------
    "headline": {"zh": "要点", "en": "In brief"},
    "gap_line": {
        "zh": "到 {year} 年，按“{run}”的设施，{line}需求在 {areas} 个地区（共 {all_areas} 个）"
        "超出可及供给：未满足 {unmet}，占需求的 {share}。",
        "en": "By {year}, with the facilities of “{run}”, {line} need outruns the supply within "
        "reach in {areas} of {all_areas} areas: {unmet} unmet, {share} of the need.",
    },
    "gap_where": {
        "zh": "缺口主要在{districts}；这些地区有{group} {persons} 人。",
        "en": "Most of it falls in {districts}, home to {persons} {group}.",
    },
    "gap_none": {
        "zh": "到 {year} 年，按“{run}”的设施，各地区的{line}需求都在可及供给之内。",
        "en": "By {year}, with the facilities of “{run}”, the supply within reach meets {line} "
        "need in every area.",
    },
    "gap_falls": {
        "zh": "与“{other}”相比，“{run}”使未满足的{line}需求从 {before} 降至 {after}"
        "（减少 {drop}），短缺地区从 {areas_before} 个变为 {areas_after} 个。",
        "en": "Against “{other}”, “{run}” cuts unmet {line} need from {before} to {after} "
        "({drop} less), and the areas short from {areas_before} to {areas_after}.",
    },
    "gap_rises": {
        "zh": "与“{other}”相比，“{run}”使未满足的{line}需求从 {before} 增至 {after}，短缺地区从 "
        "{areas_before} 个变为 {areas_after} 个。",
        "en": "Against “{other}”, “{run}” raises unmet {line} need from {before} to {after}, "
        "and the areas short from {areas_before} to {areas_after}.",
    },
    "gap_falls_same_areas": {
        "zh": "与“{other}”相比，“{run}”使未满足的{line}需求从 {before} 降至 {after}"
        "（减少 {drop}）。",
        "en": "Against “{other}”, “{run}” cuts unmet {line} need from {before} to {after} "
        "({drop} less).",
    },
    "gap_rises_same_areas": {
        "zh": "与“{other}”相比，“{run}”使未满足的{line}需求从 {before} 增至 {after}。",
        "en": "Against “{other}”, “{run}” raises unmet {line} need from {before} to {after}.",
    },
    "gap_same": {
        "zh": "与“{other}”相比，“{run}”不改变未满足的{line}需求（{after}）。",
        "en": "Against “{other}”, “{run}” leaves unmet {line} need as it is ({after}).",
    },
    "reach": {
        "zh": "距最近{line}设施超过 {minutes} 分钟的{group}占 {share}（{persons} 人）。",
        "en": "{share} of {group} ({persons} people) live more than {minutes} minutes from the "
        "nearest {line} facility.",
    },
    "reach_change": {
        "zh": "距最近{line}设施超过 {minutes} 分钟的{group}比例从 {before} 变为 {after}。",
        "en": "The share of {group} more than {minutes} minutes from the nearest {line} "
        "facility goes from {before} to {after}.",
    },
    "no_plan": {
        "zh": "{model}模型没有找到方案（{status}），本简报缺少它的数字。",
        "en": "The {model} model found no plan ({status}), so its figures are missing from "
        "this brief.",
    },
    "run_incomplete": {
        "zh": "这次运行不完整：部分模型没有找到方案，相关数字缺失而不是零。",
        "en": "This run is incomplete: some models found no plan, so their figures are missing, "
        "not zero.",
    },
    "no_figures": {
        "zh": "这次运行没有{bureau}的数字。",
        "en": "This run has no figures for {bureau}.",
    },
    # --- what the plan changes ------------------------------------------------------------------
    "changes": {"zh": "方案带来的变化", "en": "What the plan changes"},
    "beds": {
        "zh": "床位方案调整或新增 {beds}，每年未能收治的患者从 {before} 人降至 {after} 人"
        "（减少 {drop}）。",
        "en": "The bed plan moves or adds {beds}: patients turned away a year fall from {before} "
        "to {after} ({drop} fewer).",
    },
    "beds_where": {
        "zh": "床位调出：{out}；调入或新增：{into}。",
        "en": "Beds leave {out} and go to {into}.",
    },
    "beds_short": {
        "zh": "即便如此，按目标使用率仍缺 {short}。",
        "en": "Even so, {short} are short of need at the target occupancy.",
    },
    "outreach": {
        "zh": "{hospitals} 家医院的专科医生每周在 {centres} 个社区卫生服务中心坐诊 {sessions}；"
        "就近仍未满足的专科门诊：{unmet}。",
        "en": "Specialists of {hospitals} hospitals hold {sessions} of outreach at {centres} "
        "community health centres; specialist visits still unmet near home: {unmet}.",
    },
    "districts": {
        "zh": "重划{level}学区后，超出学位的学生从 {before} 降至 {after}，调整学区的学生 {moved}"
        "（{share}）；平均上学时间从 {t_before} 变为 {t_after}。",
        "en": "Redrawn {level} districts bring pupils above capacity from {before} to {after}, "
        "moving {moved} ({share}) to another school; average travel goes from {t_before} to "
        "{t_after}.",
    },
    "teachers": {
        "zh": "{level}调动教师 {moved}；全市仍缺{level}教师 {short}，缺口最大的学科是{subjects}。",
        "en": "{moved} {level} teachers change school; the city still lacks {short} {level} "
        "teachers, most in {subjects}.",
    },
    "school_peak": {
        "zh": "学位最紧张的年份是 {year} 年：{schools}学位不足，共缺 {seats}。",
        "en": "The tightest year for school places is {year}: {schools} over capacity, "
        "{seats} short.",
    },
    "staffing": {
        "zh": "规划配置使服务水平（{minutes} 分钟内办结的来访比例，目标 {target}）从 {before} "
        "升至 {after}，调动或新招窗口人员 {moved}；仍有 {months}未达标。",
        "en": "The planned posting takes the service level (visitors served within {minutes} "
        "minutes; target {target}) from {before} to {after}, moving or hiring {moved}; "
        "{months} still miss the target.",
    },
    "caseload": {
        "zh": "{year} 年平均每月业务量预测为 {cases}。",
        "en": "The caseload forecast for {year} is {cases} a month on average.",
    },
    "kpi_table": {"zh": "关键指标", "en": "Key figures"},
    "kpi": {"zh": "指标", "en": "Measure"},
    "difference": {"zh": "差异", "en": "Difference"},
    "maps": {"zh": "地图", "en": "Maps"},
    "map_gap": {
        "zh": "图：按“{run}”的设施，{year} 年各地区未满足的{line}需求（{unit}）。",
        "en": "Map: unmet {line} need per area in {year} with the facilities of “{run}” ({unit}).",
    },
    "map_change": {
        "zh": "图：“{run}”与“{other}”相比，各地区未满足的{line}需求的变化（{unit}；蓝色为减少，"
        "红色为增加）。",
        "en": "Map: change in unmet {line} need per area, “{run}” against “{other}” ({unit}; "
        "blue: less, red: more).",
    },
    "map_reassigned": {
        "zh": "图：“{run}”中调整{level}学区的学生（各地区，人）。",
        "en": "Map: pupils moved to another {level} school per area in “{run}” (persons).",
    },
    "map_hidden": {
        "zh": "灰色斜线：少于 {threshold} 人，不显示。红色标记为设施。",
        "en": "Grey hatching: fewer than {threshold} people, not shown. Red marks: facilities.",
    },
    # --- how sure -------------------------------------------------------------------------------
    "how_sure": {"zh": "把握程度", "en": "How sure"},
    "intervals": {
        "zh": "{year} 年{benefit}：典型月份预测 {yhat}，{level}% 区间 {lo} 至 {hi}"
        "（方法：{model}）。",
        "en": "{benefit} in {year}: {yhat} in a typical month, {level}% interval {lo} to {hi} "
        "(method: {model}).",
    },
    "no_intervals": {
        "zh": "住院需求、学生人数与人口按历史与队列要素法推算，没有预测区间：规划年的数字应视为"
        "中心估计。",
        "en": "Hospital need, pupils and population are projected from history and the cohort "
        "model without intervals: read their planning-year figures as central estimates.",
    },
    "models": {"zh": "各模型的求解情况", "en": "How each model solved"},
    "model": {"zh": "模型", "en": "Model"},
    "status": {"zh": "状态", "en": "Status"},
    "gap": {"zh": "已证明的最优性差距", "en": "Proven gap"},
    "gap_meaning": {
        "zh": "最优性差距是方案与可证明的最佳方案之间的最大距离；为零表示已证明最优。",
        "en": "The proven gap is how far the plan can at most be from the best possible one; "
        "zero means proven best.",
    },
    "binds": {
        "zh": "{rule}（{where}）限制了床位方案：放宽它每年可多收治 {saves}。",
        "en": "The {rule} at {where} holds the bed plan back: relaxing it would admit {saves} "
        "more a year.",
    },
    "notes": {"zh": "模型说明（原文）：", "en": "Notes left by the models:"},
    # --- early warnings -------------------------------------------------------------------------
    "warnings": {"zh": "预警", "en": "Early warnings"},
    "warnings_none": {
        "zh": "{bureau}目前没有未处理的预警。",
        "en": "No early warnings are open for {bureau}.",
    },
    "warnings_more": {
        "zh": "另有更多未处理的预警，见应用的“预警”页或 civicalloc alerts。",
        "en": "More are open: see the app's Alerts page or civicalloc alerts.",
    },
    "warning_at": {"zh": "（{facility}）", "en": " ({facility})"},
    "warning_surveillance": {
        "zh": "{when}，{what}{where}：实际 {observed}，预期 {expected}，超过警戒线 {threshold}"
        "（{method}；{severity}）。",
        "en": "{when}, {what}{where}: observed {observed} against {expected} expected, above "
        "the alarm limit of {threshold} ({method}; {severity}).",
    },
    "warning_breach": {
        "zh": "{what}{where}：预计 {when} 需求 {observed} 超过容量 {threshold}，"
        "{by} 前发生的概率为 {probability}（{severity}）。",
        "en": "{what}{where}: need of {observed} forecast to pass the capacity of {threshold} in "
        "{when}; probability {probability} by {by} ({severity}).",
    },
    "warning_rule": {
        "zh": "{when}，{what}为 {observed}，触发规则“{rule}”（界限 {threshold}；{severity}）。",
        "en": "{when}, {what} is {observed}, which breaks the rule “{rule}” (limit {threshold}; "
        "{severity}).",
    },
    # --- data -----------------------------------------------------------------------------------
    "data": {"zh": "数据与可复现性", "en": "Data and how to reproduce it"},
    "bundle": {"zh": "城市数据：{city}。", "en": "City data: {city}."},
    "bundle_changed": {
        "zh": "注意：数据包在这次运行之后已改变（输入指纹不同），下列质量评分针对当前数据。",
        "en": "Note: the bundle has changed since this run (its fingerprint differs); the quality "
        "scores below are of the data as it is now.",
    },
    "quality": {
        "zh": "数据质量得分（满分一百）：{scores}。检查发现 {errors} 个错误、{warnings} 个警告。",
        "en": "Data-quality scores (out of a hundred): {scores}. The checks found {errors} errors "
        "and {warnings} warnings.",
    },
    "quality_unknown": {
        "zh": "无法读取该城市的数据质量报告：{why}",
        "en": "The city's data-quality report could not be read: {why}",
    },
    "notices": {"zh": "主要提示：", "en": "Main notices:"},
    "notice": {
        "zh": "{severity}：{table}，{check}（{count} 处）",
        "en": "{severity}: {table}, {check} ({count} flagged)",
    },
    "levers": {"zh": "情景参数", "en": "The scenario's levers"},
    "lever": {"zh": "参数", "en": "Lever"},
    "value": {"zh": "取值", "en": "Value"},
    "facility_change": {
        "zh": "{action}设施 {facility}（{name}，位于 {area}）",
        "en": "{action} facility {facility} ({name}, in {area})",
    },
    "shock": {
        "zh": "自 {year} 年起每年迁入 {area} {households} 户",
        "en": "{households} households a year move into {area} from {year}",
    },
    "run_facts": {
        "zh": "运行 {run_id}：{when} 由 {who} 运行，代码版本 {code}，输入指纹 {fingerprint}。",
        "en": "Run {run_id}: run by {who} at {when}, code {code}, inputs fingerprint "
        "{fingerprint}.",
    },
    "reproduce": {
        "zh": "复现方法：用相同代码版本和数据重新运行该情景，或在结果库中打开这次运行。",
        "en": "To reproduce: run the same scenario again with the same code and data, or open "
        "this run in the results store.",
    },
    # --- annex ----------------------------------------------------------------------------------
    "annex": {"zh": "附：数字来源", "en": "Annex: where each number comes from"},
    "annex_intro": {
        "zh": "正文中每个数字的编号、显示值与来源（结果库中的指标、方案表或模型结果）。",
        "en": "Each number of the brief: its key, the text shown, and where it was read (a KPI, "
        "a plan table or a model outcome of the results store).",
    },
    "key": {"zh": "编号", "en": "Key"},
    "shown": {"zh": "显示值", "en": "Shown"},
    "source": {"zh": "来源", "en": "Source"},
    "download_brief_pdf": {"zh": "下载简报（PDF）", "en": "Download brief (PDF)"},
    "download_brief_docx": {"zh": "下载简报（Word）", "en": "Download brief (Word)"},
    "list_sep": {"zh": "、", "en": ", "},
    "none": {"zh": "无", "en": "none"},
    "open": {"zh": "新设", "en": "Open"},
    "close": {"zh": "关闭", "en": "Close"},
    "resize": {"zh": "调整", "en": "Resize"},
}

#: Who the access figures of each service line count (`persons` of the access plan), in words.
GROUPS = {
    "hospital beds": {"zh": "老年居民", "en": "older residents"},
    "outpatient care": {"zh": "老年居民", "en": "older residents"},
    "primary school": {"zh": "小学适龄儿童", "en": "primary-school-age children"},
    "middle school": {"zh": "初中适龄学生", "en": "middle-school-age children"},
    "social insurance": {"zh": "成年居民", "en": "adult residents"},
}
MODELS = {
    "access": {"zh": "可达性", "en": "access"},
    "forecast": {"zh": "预测", "en": "forecast"},
    "health.outreach": {"zh": "专家下沉排班", "en": "specialist outreach"},
    "health.beds": {"zh": "床位调整", "en": "bed rebalancing"},
    "education.districts": {"zh": "学区划分", "en": "school districts"},
    "education.teachers": {"zh": "教师调配", "en": "teacher placement"},
    "social_security.staffing": {"zh": "窗口人员配置", "en": "caseworker staffing"},
}
STATUSES = {
    "optimal": {"zh": "已证明最优", "en": "proven best"},
    "feasible within gap": {"zh": "在要求的差距内", "en": "within the gap asked for"},
    "stopped at time limit with best plan": {
        "zh": "到达时间上限，取最好方案",
        "en": "stopped by the time limit, best plan kept",
    },
    "stopped at work limit with best plan": {
        "zh": "到达计算量上限，取最好方案",
        "en": "stopped by the work limit, best plan kept",
    },
    "feasible, gap above target": {"zh": "可行，差距高于目标", "en": "feasible, gap above target"},
    "infeasible": {"zh": "无可行方案", "en": "infeasible"},
    "no solution found": {"zh": "未找到方案", "en": "no plan found"},
    "computed": {"zh": "已计算", "en": "computed"},
    "no district plan": {"zh": "没有学区方案", "en": "no district plan"},
}
LEVELS = {"primary": {"zh": "小学", "en": "primary"}, "middle": {"zh": "初中", "en": "middle"}}
SUBJECTS = {
    "chinese": {"zh": "语文", "en": "Chinese"},
    "math": {"zh": "数学", "en": "maths"},
    "english": {"zh": "英语", "en": "English"},
    "science": {"zh": "科学", "en": "science"},
    "pe": {"zh": "体育", "en": "PE"},
    "arts": {"zh": "艺术", "en": "arts"},
    "other": {"zh": "其他学科", "en": "other subjects"},
}
BENEFITS = {
    "pension": {"zh": "养老保险", "en": "Pensions"},
    "medical_insurance": {"zh": "医疗保险", "en": "Medical insurance"},
    "unemployment": {"zh": "失业保险", "en": "Unemployment insurance"},
    "work_injury": {"zh": "工伤保险", "en": "Work-injury insurance"},
    "maternity": {"zh": "生育保险", "en": "Maternity insurance"},
}
RULES = {
    "department ceiling": {"zh": "科室床位上限", "en": "department ceiling"},
    "department floor": {"zh": "科室床位下限", "en": "department floor"},
    "new-bed budget": {"zh": "新增床位预算", "en": "new-bed budget"},
    "hospital total": {"zh": "医院床位总数", "en": "hospital total"},
    "transfer limit": {"zh": "调床上限", "en": "transfer limit"},
}
SEVERITIES = {
    "error": {"zh": "错误", "en": "error"},
    "warning": {"zh": "警告", "en": "warning"},
    "notice": {"zh": "提示", "en": "notice"},
    "info": {"zh": "提示", "en": "info"},
    "critical": {"zh": "严重", "en": "critical"},
}
LEVER_NAMES = {
    "rules.max_travel_minutes": {"zh": "最长出行时间", "en": "Longest travel"},
    "rules.class_size_cap": {"zh": "班额上限", "en": "Class size cap"},
    "rules.service_level_target": {"zh": "服务水平目标", "en": "Service-level target"},
    "rules.service_level_minutes": {"zh": "服务水平时限", "en": "Service-level time"},
    "rules.reassignment_limit": {"zh": "学区调整比例上限", "en": "Reassignment limit"},
    "rules.online_share": {"zh": "线上办理比例", "en": "Share handled online"},
    "rules.max_outreach_half_days": {
        "zh": "每名专家每周下沉半天数上限",
        "en": "Outreach half-days per specialist",
    },
    "rules.small_cell_threshold": {"zh": "小计数隐藏阈值", "en": "Small-count threshold"},
    "budgets.new_beds": {"zh": "新增床位", "en": "New beds"},
    "budgets.new_teachers": {"zh": "新增教师", "en": "New teachers"},
    "budgets.new_caseworkers": {"zh": "新增窗口人员", "en": "New caseworkers"},
    "base_year": {"zh": "基准年", "en": "Base year"},
    "horizon": {"zh": "规划年限", "en": "Horizon"},
    "solver.time_limit_s": {"zh": "每个模型的求解时限", "en": "Time limit per model"},
    "solver.gap_rel": {"zh": "要求的最优性差距", "en": "Gap asked for"},
}
#: The bureau each lever concerns (None: every bureau), so a brief lists only its bureaus'.
LEVER_BUREAUS = {
    "rules.class_size_cap": "education",
    "rules.reassignment_limit": "education",
    "budgets.new_teachers": "education",
    "rules.service_level_target": "social_security",
    "rules.service_level_minutes": "social_security",
    "rules.online_share": "social_security",
    "budgets.new_caseworkers": "social_security",
    "rules.max_outreach_half_days": "health",
    "budgets.new_beds": "health",
}
#: The unit of each lever (for writing its value).
LEVER_UNITS = {
    "rules.max_travel_minutes": "minutes",
    "rules.class_size_cap": "pupils",
    "rules.service_level_target": "share",
    "rules.service_level_minutes": "minutes",
    "rules.reassignment_limit": "share",
    "rules.online_share": "share",
    "rules.max_outreach_half_days": "half-days/week",
    "rules.small_cell_threshold": "",
    "budgets.new_beds": "beds",
    "budgets.new_teachers": "teachers",
    "budgets.new_caseworkers": "caseworkers",
    "base_year": "year",
    "horizon": "years",
    "solver.time_limit_s": "seconds",
    "solver.gap_rel": "share",
}

GAP = re.compile(r"\{(\w+)\}")


def word(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    """A word of one of the tables above in `lang` (the key itself when unknown)."""
    entry = table.get(key)
    return key if entry is None else entry[lang]


def say(key: str, lang: str, **gaps: Part | list[Part]) -> list[Part]:
    """The template `key` in `lang` as parts, each {gap} replaced by the part(s) given."""
    template = TEXT[key][lang]
    parts: list[Part] = []
    at = 0
    for found in GAP.finditer(template):
        if found.start() > at:
            parts.append(template[at : found.start()])
        value = gaps[found.group(1)]
        parts.extend(value if isinstance(value, list) else [value])
        at = found.end()
    if at < len(template):
        parts.append(template[at:])
    return parts


def gaps_of(template: str) -> set[str]:
    """The named gaps of a template."""
    return set(GAP.findall(template))

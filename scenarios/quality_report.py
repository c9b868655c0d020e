"""Writing the data-quality report: report.json to check, report.html (English) and
report.zh-CN.html to read. Small person counts are suppressed in both (scenarios.privacy)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from demand.bundle.read import read_raw_tables
from demand.bundle.report import Report
from demand.quality import build_quality
from scenarios.privacy import counts_people, is_hidden, suppress_frame

LABELS = {
    "en": {
        "title": "Data-quality report", "summary": "Summary", "table": "Table", "rows": "Rows",
        "score": "Score", "file": "File", "errors": "errors", "warnings": "warnings",
        "crs": "Coordinate system", "unit": "unit", "measured": "measured in",
        "km2": "total area (km²)", "completeness": "Missing cells per column",
        "column": "Column", "missing": "Missing", "share": "Share", "checks": "Checks",
        "check": "Check", "count": "Count", "where": "Where", "detail": "Detail",
        "excluded": "Rows excluded", "repaired": "Rows repaired", "reason": "Reason",
        "what": "What was done", "problems": "Every problem found", "none": "none",
        "sources": "Sources read", "encoding": "encoding", "sheet": "sheet",
        "ok": "usable", "not_ok": "not usable yet: fix the errors",
        "severity": "Severity", "values": "Values",
    },
    "zh-CN": {
        "title": "数据质量报告", "summary": "概览", "table": "数据表", "rows": "行数",
        "score": "得分", "file": "文件", "errors": "个错误", "warnings": "个警告",
        "crs": "坐标系", "unit": "单位", "measured": "量算坐标系", "km2": "总面积（平方公里）",
        "completeness": "各列缺失单元格", "column": "列", "missing": "缺失", "share": "占比",
        "checks": "检查项", "check": "检查", "count": "数量", "where": "位置",
        "detail": "说明", "excluded": "已排除的行", "repaired": "已修复的行", "reason": "原因",
        "what": "处理", "problems": "发现的全部问题", "none": "无", "sources": "读取的源文件",
        "encoding": "编码", "sheet": "工作表", "ok": "可用", "not_ok": "暂不可用：请先修正错误",
        "severity": "级别", "values": "数值",
    },
}  # fmt: skip
#: Checks of one service line's figures, read by its bureau (and admin) only.
CHECK_SERVICE = {
    "per_1000_beds": "health", "per_1000_teachers": "education", "seats_per_teacher": "education",
}  # fmt: skip
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示", "pass": "通过", "notice": "说明"}
CHECK_ZH = {
    "duplicate_keys": "键重复", "duplicate_rows": "整行重复", "invalid": "无效多边形",
    "slivers": "碎片多边形", "multipart": "多部件区域（飞地、岛屿）",
    "holes": "含洞区域（包含飞地）",
    "overlaps": "区域重叠", "area_missing": "几何中不存在的区域", "no_population": "无人口的区域",
    "density_outliers": "人口密度异常", "no_capacity": "无容量的设施",
    "per_1000_beds": "每千常住人口床位数（按街道）",
    "per_1000_teachers": "每千名5-14岁儿童教师数（按街道）",
    "seats_per_teacher": "各校每名教师学位数", "stated_totals": "年龄组合计与报表合计是否一致",
}  # fmt: skip


def _counts_people(column: object) -> bool:
    """A value column counts people when its name, or its last word, is a unit of people
    (persons, pupils, stated_persons, bands_persons…)."""
    name = str(column)
    return counts_people(name) or counts_people(name.rsplit("_", 1)[-1])


def _suppressed_values(values: list) -> list:
    """Person counts under 10 as '<10'; what is derived from a hidden count on the same row
    (a density, its z score) is hidden too."""
    if not values or not isinstance(values[0], dict):
        return values
    frame = pd.DataFrame(values)
    people = [c for c in frame.columns if _counts_people(c)]
    frame = suppress_frame(frame, dict.fromkeys(people, "persons"))
    if people:
        hidden = frame[people].apply(lambda col: col.map(is_hidden)).any(axis=1)
        for derived in ("per_km2", "z"):
            if derived in frame.columns:
                frame[derived] = frame[derived].astype(object).where(~hidden, "–")
    return frame.to_dict("records")


def safe_report(data: dict) -> dict:
    """The report with small person counts replaced by '<10'."""
    out = dict(data)
    out["findings"] = [f | {"values": _suppressed_values(f["values"])} for f in data["findings"]]
    return out


def report_for(data: dict, sees: Callable[[str], bool]) -> dict:
    """The report as a bureau reads it (`sees(service)`: `scenarios.scope.Scope.sees`): the
    checks of another bureau's figures (its beds or teachers per resident) left out; checks of
    the shared files (geometry, keys, population) stay, since every bureau's runs use them."""
    out = dict(data)
    out["findings"] = [
        f
        for f in data["findings"]
        if f["check"] not in CHECK_SERVICE or sees(CHECK_SERVICE[f["check"]])
    ]
    return out


def _esc(value) -> str:
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _rows_text(rows: list, count: int) -> str:
    shown = ", ".join(str(r) for r in rows[:20])
    return shown + (f" … (+{count - 20})" if count > 20 else "")


def render_html(data: dict, lang: str = "en") -> str:
    """The report as one self-contained HTML page in English or zh-CN."""
    t = LABELS[lang]
    parts = [
        f"<h1>{_esc(t['title'])}</h1>",
        f"<p>{_esc(data['title'])} — {_esc(data['generated'])}"
        f" — {data['errors']} {t['errors']}, {data['warnings']} {t['warnings']} — "
        f"<b>{_esc(t['ok'] if data['ok'] else t['not_ok'])}</b></p>",
    ]
    parts.append(f"<h2>{t['summary']}</h2>")
    parts.append(
        _table(
            [t["table"], t["file"], t["rows"], t["score"]],
            [
                [n, v["file"], f"{v['rows']:,}", f"{v['score']:.1f}"]
                for n, v in data["tables"].items()
            ],
        )
    )
    crs = data.get("crs") or {}
    if crs.get("crs"):
        parts.append(
            f"<p>{t['crs']}: {_esc(crs.get('crs_name'))} ({_esc(crs['crs'])}), "
            f"{t['unit']} {_esc(crs.get('unit'))}; {t['measured']} "
            f"{_esc(crs.get('measured_in'))}; {t['km2']} {crs.get('total_km2', 0):,.1f}</p>"
        )
    parts.append(f"<h2>{t['checks']}</h2>")
    rows = []
    for f in data["findings"]:
        zh = lang == "zh-CN"
        name = CHECK_ZH.get(f["check"], f["title"]) if zh else f["title"]
        severity = SEVERITY_ZH.get(f["severity"], f["severity"]) if zh else f["severity"]
        table = ("跨表" if f["table"] == "across" else f["table"]) if zh else f["table"]
        values = "; ".join(
            ", ".join(f"{k} {v}" for k, v in val.items()) if isinstance(val, dict) else str(val)
            for val in f["values"][:10]
        )
        rows.append(
            [
                table,
                name,
                severity,
                f["count"],
                _rows_text(f["rows"], f["count"]),
                f["detail"],
                values,
            ]
        )
    parts.append(
        _table(
            [
                t["table"],
                t["check"],
                t["severity"],
                t["count"],
                t["where"],
                t["detail"],
                t["values"],
            ],
            rows,
        )
        if rows
        else f"<p>{t['none']}</p>"
    )
    for name, v in data["tables"].items():
        parts.append(f"<h3>{_esc(name)} — {t['completeness']}</h3>")
        parts.append(
            _table(
                [t["column"], t["missing"], t["share"]],
                [[c, m["missing"], f"{m['share']:.1%}"] for c, m in v["completeness"].items()],
            )
        )
    parts.append(f"<h2>{t['excluded']} ({len(data['excluded'])})</h2>")
    parts.append(
        _table(
            [t["table"], t["where"], t["reason"]],
            [[e["table"], e["where"], e["reason"]] for e in data["excluded"]],
        )
        if data["excluded"]
        else f"<p>{t['none']}</p>"
    )
    parts.append(f"<h2>{t['repaired']} ({len(data['repaired'])})</h2>")
    parts.append(
        _table(
            [t["table"], t["where"], t["what"]],
            [[e["table"], e["where"], e["what"]] for e in data["repaired"]],
        )
        if data["repaired"]
        else f"<p>{t['none']}</p>"
    )
    if data["sources"]:
        parts.append(f"<h2>{t['sources']}</h2>")
        parts.append(
            _table(
                [t["table"], t["file"], t["sheet"], t["rows"], t["encoding"]],
                [
                    [s["table"], s["file"], s["sheet"] or "", s["rows"], s["encoding"] or ""]
                    for s in data["sources"]
                ],
            )
        )
    parts.append(f"<h2>{t['problems']} ({len(data['problems'])})</h2>")
    parts.append(
        "<ul>"
        + "".join(
            f"<li class='{_esc(p['severity'])}'>{_esc(p['line'])}</li>" for p in data["problems"]
        )
        + "</ul>"
    )
    style = (
        "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em;max-width:80em}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
        "padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
        "li.error{color:#b00}li.warning{color:#a60}li.notice{color:#066}"
    )
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>"
        f"{_esc(t['title'])}</title><style>{style}</style></head><body>{''.join(parts)}"
        "</body></html>"
    )


def write_quality_report(
    report: Report, out: str | Path, city=None, log=None, tables=None, title: str = ""
) -> list[Path]:
    """Write report.json, report.html and report.zh-CN.html into `out`; return their paths.

    `tables` are the raw tables checked (default: read again from the bundle `city` came
    from); `log` is the import's record of excluded and repaired rows.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if tables is None and city is not None and city.source is not None:
        tables, _ = read_raw_tables(city.source)
    data = safe_report(build_quality(tables or {}, report, log, title))
    json_path = out / "report.json"
    json_path.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    paths = [out / "report.html", out / "report.zh-CN.html", json_path]
    paths[0].write_text(render_html(data, "en"), encoding="utf-8")
    paths[1].write_text(render_html(data, "zh-CN"), encoding="utf-8")
    return paths


def city_quality(city: str) -> dict:
    """The report of a scenario's city (a bundle path or 'sample…'), small counts suppressed.

    A bundle's own ``quality/report.json`` (written by import) is used while it is newer than
    every file of the bundle; otherwise the report is computed from the bundle as it is.
    """
    from demand.bundle.load import check_bundle
    from demand.quality import raw_tables_of
    from scenarios.pipeline import load_scenario_city

    if city.startswith("sample"):
        return safe_report(
            build_quality(raw_tables_of(load_scenario_city(city)), Report(), None, city)
        )
    path = Path(city)
    saved = path / "quality" / "report.json"
    if saved.exists() and path.is_dir():
        newest = max((p.stat().st_mtime for p in path.iterdir() if p.is_file()), default=0)
        if saved.stat().st_mtime >= newest:
            return safe_report(json.loads(saved.read_text(encoding="utf-8")))  # of any version
    _, report = check_bundle(path)
    tables, _ = read_raw_tables(path)
    return safe_report(build_quality(tables, report, None, str(path)))

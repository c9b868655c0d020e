"""Built-in presets: common Chinese statistical headers and values, mapped to the contract.

A census or health-statistics table from a Chinese bureau usually says 街道, 社区, 常住人口,
男, 女, "0-4岁", "85岁及以上", 床位数, 执业医师, 在校生, 教职工... With ``preset = "zh"`` (the
default) those headers map to the contract's fields with no typing, and values such as 男/女,
"0-4岁", 医院 or 内科 become M/F, "0-4", hospital, beds:internal_medicine. docs/import.md
lists every entry; a mapping's own ``columns`` and ``recode`` always win.
"""

from __future__ import annotations

import re
import unicodedata

#: Header text (normalised: no spaces, half-width brackets, unit removed) → field, per table.
#: Fields that are not contract columns: area_name / area_district (join to areas by name),
#: parent_code (the 街道's code, to check division codes), stated_total (a row's own total),
#: lon / lat (points), facility_name (join to facilities by name).
HEADERS: dict[str, dict[str, str]] = {
    "areas": {
        "社区代码": "area_id", "村居代码": "area_id", "区划代码": "area_id",
        "统计用区划代码": "area_id", "行政区划代码": "area_id", "代码": "area_id",
        "编码": "area_id", "社区编码": "area_id",
        "社区": "name", "社区名称": "name", "村居": "name", "村居名称": "name",
        "居委会": "name", "村(居)委会": "name", "名称": "name",
        "街道": "district", "街道名称": "district", "乡镇街道": "district", "街镇": "district",
        "乡镇(街道)": "district", "所属街道": "district",
        "街道代码": "parent_code", "乡镇街道代码": "parent_code", "街道编码": "parent_code",
        "类型": "zone", "区域类型": "zone",
    },
    "population": {
        "社区代码": "area_id", "区划代码": "area_id", "统计用区划代码": "area_id",
        "代码": "area_id",
        "社区": "area_name", "社区名称": "area_name", "村居": "area_name",
        "居委会": "area_name", "村(居)委会": "area_name",
        "街道": "area_district", "街道名称": "area_district", "乡镇街道": "area_district",
        "年份": "year", "年度": "year", "统计年度": "year",
        "性别": "sex", "年龄组": "age_band", "年龄段": "age_band", "年龄": "age_band",
        "人数": "persons", "人口数": "persons", "人口": "persons",
        "常住人口": "stated_total", "合计": "stated_total", "总人口": "stated_total",
        "小计": "stated_total", "总计": "stated_total",
    },
    "facilities": {
        "机构代码": "facility_id", "机构编码": "facility_id", "编号": "facility_id",
        "学校代码": "facility_id", "学校标识码": "facility_id", "医院代码": "facility_id",
        "代码": "facility_id",
        "机构名称": "name", "医院名称": "name", "学校名称": "name", "单位名称": "name",
        "名称": "name",
        "机构类别": "kind", "机构类型": "kind", "类别": "kind", "类型": "kind",
        "办学类型": "kind", "学校类型": "kind",
        "所在社区代码": "area_id", "社区代码": "area_id",
        "所在社区": "area_name", "社区": "area_name", "所属社区": "area_name",
        "街道": "area_district", "所在街道": "area_district",
        "经度": "lon", "纬度": "lat", "lng": "lon", "longitude": "lon", "latitude": "lat",
    },
    "capacity": {
        "机构代码": "facility_id", "编号": "facility_id", "学校代码": "facility_id",
        "机构名称": "facility_name", "医院名称": "facility_name", "学校名称": "facility_name",
        "名称": "facility_name",
        "资源": "resource", "科室": "resource", "年级": "resource",
        "床位数": "amount", "数量": "amount", "实有床位": "amount", "编制床位": "amount",
        "学位数": "amount",
    },
    "workforce": {
        "机构代码": "facility_id", "编号": "facility_id", "学校代码": "facility_id",
        "机构名称": "facility_name", "医院名称": "facility_name", "学校名称": "facility_name",
        "名称": "facility_name",
        "岗位": "role", "学科": "role", "专业": "role", "科室": "role",
        "人数": "headcount", "执业医师": "headcount", "教职工": "headcount",
        "专任教师": "headcount", "在岗人数": "headcount", "全时当量": "fte",
    },
}  # fmt: skip

SEX: dict[str, str] = {"男": "M", "女": "F", "男性": "M", "女性": "F", "m": "M", "f": "F",
                       "male": "M", "female": "F"}  # fmt: skip

KINDS: dict[str, str] = {
    "医院": "hospital", "综合医院": "hospital", "人民医院": "hospital", "中医院": "hospital",
    "专科医院": "hospital", "社区卫生服务中心": "community_health_centre",
    "社区卫生服务站": "community_health_centre", "卫生院": "community_health_centre",
    "乡镇卫生院": "community_health_centre", "小学": "primary_school",
    "初中": "middle_school", "初级中学": "middle_school", "中学": "middle_school",
    "九年一贯制学校": "middle_school", "社保": "social_insurance_centre",
    "社保中心": "social_insurance_centre", "社会保险服务中心": "social_insurance_centre",
    "社会保障服务中心": "social_insurance_centre", "人社服务中心": "social_insurance_centre",
}  # fmt: skip

DEPARTMENTS: dict[str, str] = {
    "内科": "internal_medicine", "外科": "surgery", "儿科": "paediatrics",
    "妇产科": "obstetrics_gynaecology", "老年病科": "geriatrics", "老年医学科": "geriatrics",
    "重症医学科": "icu", "icu": "icu", "心血管内科": "cardiology", "心内科": "cardiology",
    "骨科": "orthopaedics", "肿瘤科": "oncology", "神经内科": "neurology",
    "呼吸内科": "respiratory", "呼吸科": "respiratory", "内分泌科": "endocrinology",
    "皮肤科": "dermatology", "眼科": "ophthalmology",
}  # fmt: skip

SUBJECTS: dict[str, str] = {
    "语文": "chinese", "数学": "math", "英语": "english", "外语": "english",
    "科学": "science", "物理": "science", "化学": "science", "生物": "science",
    "体育": "pe", "体育与健康": "pe", "艺术": "arts", "音乐": "arts", "美术": "arts",
    "其他": "other",
}  # fmt: skip

GRADES: dict[str, int] = {
    "一年级": 1, "二年级": 2, "三年级": 3, "四年级": 4, "五年级": 5, "六年级": 6,
    "七年级": 7, "八年级": 8, "九年级": 9, "初一": 7, "初二": 8, "初三": 9,
}  # fmt: skip

#: Units a number may be given in, as persons (or beds, seats, ...) per unit.
UNITS: dict[str, float] = {
    "人": 1, "个": 1, "张": 1, "名": 1, "所": 1, "万人": 1e4, "千人": 1e3, "百人": 100,
    "万": 1e4, "千": 1e3, "百": 100, "十万人": 1e5, "persons": 1, "thousand": 1e3,
    "10k": 1e4,
}  # fmt: skip

#: Labels of a totals row (合计, 总计...), compared after removing spaces.
TOTALS = {"合计", "总计", "小计", "共计", "全市", "全区", "全县", "全街道", "总数", "total",
          "sum", "subtotal", "grandtotal", "全市合计", "全区合计"}  # fmt: skip

_UNIT_IN_HEADER = re.compile(r"^(?P<label>.*?)[(](?P<unit>[^()]*)[)]$")
_BAND = re.compile(
    r"^(?P<lo>\d+)\s*(?:岁)?\s*[-~～—–至到]\s*(?P<hi>\d+)\s*岁?$"
    r"|^(?P<open>\d+)\s*(?:岁)?\s*(?:\+|及以上|以上|岁及以上|岁以上|and over|plus)$"
)
_SEX_PREFIX = re.compile(r"^(?P<sex>男性|女性|男|女|M|F)[\s|_:：-]*(?P<rest>.*)$")


def normalise(text: str) -> str:
    """Header or value text compared loosely: NFKC (full-width → half), no spaces, lower."""
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", text).lower()


def split_unit(header: str) -> tuple[str, str | None]:
    """('常住人口', '万人') from '常住人口（万人）'; the unit is None when there is none known."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    m = _UNIT_IN_HEADER.match(text)
    if m and normalise(m.group("unit")) in {normalise(u) for u in UNITS}:
        unit = next(u for u in UNITS if normalise(u) == normalise(m.group("unit")))
        return m.group("label").strip(), unit
    return text, None


def header_field(table: str, header: str) -> str | None:
    """The field a header maps to under the zh preset, or None."""
    label, _unit = split_unit(header)
    presets = {normalise(k): v for k, v in HEADERS.get(table, {}).items()}
    return presets.get(normalise(label))


def age_band(text: str) -> str | None:
    """'0-4' from '0-4岁', '0～4岁', '0 - 4'; '85+' from '85岁及以上'; None if not a band."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    m = _BAND.match(t)
    if not m:
        return None
    if m.group("open") is not None:
        return f"{int(m.group('open'))}+"
    return f"{int(m.group('lo'))}-{int(m.group('hi'))}"


def sex_and_band(header: str) -> tuple[str | None, str | None]:
    """(sex, band) read from a wide census header: '男|0-4岁', '男0-4岁', '0-4岁' or '女'."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    parts = [p for p in text.split("|") if p]
    sex = band = None
    for part in parts:
        m = _SEX_PREFIX.match(part)
        if m and (not m.group("rest") or age_band(m.group("rest"))):
            sex = SEX.get(normalise(m.group("sex")), m.group("sex"))
            band = age_band(m.group("rest")) if m.group("rest") else band
            continue
        b = age_band(part)
        if b is not None:
            band = b
    return sex, band


def value_preset(field: str) -> dict[str, str]:
    """Values of a field recoded by the zh preset, keys normalised."""
    if field == "sex":
        return {normalise(k): v for k, v in SEX.items()}
    if field == "kind":
        return {normalise(k): v for k, v in KINDS.items()}
    if field == "resource":
        out = {normalise(k): f"beds:{v}" for k, v in DEPARTMENTS.items()}
        out.update({normalise(k): f"seats:grade_{g}" for k, g in GRADES.items()})
        return out
    if field == "role":
        out = {normalise(k): f"specialist:{v}" for k, v in DEPARTMENTS.items()}
        out.update({normalise(k): f"teacher:{v}" for k, v in SUBJECTS.items()})
        out.update(
            {"全科医生": "gp", "全科": "gp", "窗口人员": "caseworker", "经办人员": "caseworker"}
        )
        return out
    return {}


def is_total_label(text: str) -> bool:
    """True for 合计, 总 计, Total... (a totals row's label)."""
    return normalise(text) in TOTALS

"""Administrative regions used for validation and the in-province / out-of-province split.

Province, city and district are checked against the current GB/T 2260 divisions, the table
python-stdnum ships for identity numbers (``stdnum/cn/loc.dat``: every code with the years
each name was in use). Forms, the API and the Excel imports apply the same rule through
``Organization.clean`` (PLT-12); the district filters offer the deployment city's districts.
"""

import functools
import re
from importlib import resources

from django.utils.translation import gettext_lazy as _

# GB/T 2260 provincial-level divisions, by their full names.
PROVINCES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
    "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省",
    "青海省", "宁夏回族自治区", "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区",
]
PROVINCE_CHOICES = [(p, p) for p in PROVINCES]

# The districts of the demo deployment's city; other cities enter theirs as free text.
XIAMEN_DISTRICTS = ["思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"]

SIZE_HELP = _("Size class per the SME classification rules (工信部联企业〔2011〕300号).")


# Placeholders of the table that are not divisions anyone lives in.
_PLACEHOLDERS = {"市辖区", "县", "市区", "郊区", "矿区"}
_ENTRY = re.compile(r'^\s+(\d{4}) county="(.*)"$')
_PROVINCE = re.compile(r'^(\d{2}) province="(.*)"$')


def _current_name(value: str) -> str | None:
    """The name in use today: "[1983-2002]杏林区,[2003-]海沧区" → 海沧区; a closed range → None."""
    last = value.split(",")[-1]
    match = re.match(r"^\[(\d*)-(\d*)\](.*)$", last)
    if match is None:
        return last
    return match.group(3) if not match.group(2) else None


@functools.cache
def divisions() -> dict[str, dict[str, frozenset[str]]]:
    """Return province → city → districts of the current GB/T 2260 divisions.

    A municipality (北京市) is its own city; a county-level city a province administers
    directly (仙桃市) is a city without districts.
    """
    table: dict[str, dict[str, set[str]]] = {}
    province = None
    cities: dict[str, str | None] = {}
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if match := _PROVINCE.match(line):
            province = match.group(2)
            table.setdefault(province, {})
            cities = {}
            continue
        match = _ENTRY.match(line)
        if match is None or province is None:
            continue
        number, name = match.group(1), _current_name(match.group(2))
        prefecture, county = number[:2], number[2:]
        if prefecture == "00":
            continue
        if county == "00":
            if name is None:
                cities[prefecture] = None
            elif name in _PLACEHOLDERS:
                cities[prefecture] = province  # a municipality's districts and counties
            elif "直辖" in name:
                cities[prefecture] = ""  # county-level cities administered by the province
            else:
                cities[prefecture] = name
                table[province].setdefault(name, set())
            continue
        city = cities.get(prefecture)
        if name is None or name in _PLACEHOLDERS or city is None:
            continue
        if city == "":
            table[province].setdefault(name, set())
        else:
            table[province].setdefault(city, set()).add(name)
    return {p: {c: frozenset(d) for c, d in found.items()} for p, found in table.items()}


def region_errors(province: str, city: str, district: str) -> dict[str, str]:
    """Field errors for a province / city / district that is not a current division (GB/T 2260).

    Empty city and district are allowed (not every record knows them); a district needs
    the city it lies in.
    """
    province, city, district = (province or "").strip(), (city or "").strip(), (district or "").strip()
    known = divisions().get(province)
    if known is None:
        return {"province": str(_("Unknown province “%(p)s”.") % {"p": province})} if province else {}
    errors = {}
    if city and city not in known:
        errors["city"] = str(_("%(province)s has no city “%(city)s” (GB/T 2260).") % {"province": province, "city": city})
    elif district and not city:
        errors["city"] = str(_("Name the city the district lies in."))
    elif district and district not in known[city]:
        errors["district"] = str(_("%(city)s has no district or county “%(district)s”. Use one of: %(known)s.") % {
            "city": city, "district": district, "known": "、".join(sorted(known[city])) or "—"})
    return errors


def city_districts(province: str, city: str) -> list[str]:
    """The districts and counties of a city, in code order where the table keeps it."""
    return sorted(divisions().get(province, {}).get(city, ()))

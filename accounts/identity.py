"""Chinese resident ID numbers (GB 11643-1999) and mainland mobile numbers.

python-stdnum's ``cn.ric.validate`` rejects a region code that postdates the holder's birth
year (620902 肃州区 exists since 2002), but region codes are assigned at registration and
counties were re-coded, so those people are real. We use stdnum for the check digit and its
region table, and accept any code the table has ever known.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum import numdb
from stdnum.cn import ric

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
ID_NUMBER_RE = re.compile(r"^[0-9]{17}[0-9X]$")
# Full-width forms (what a Chinese input method types: ０–９, Ｘ, ＋, －, the ideographic space) mean the
# same characters in ASCII. Every other non-ASCII digit (superscripts, circled numbers, other scripts)
# is not read as a digit: it fails the format check with the field's message.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def ascii_width(value: str) -> str:
    return value.translate(_FULL_WIDTH)


# A person's name as on the ID card: CJK (incl. the extension planes for rare characters and 〇),
# or Latin letters for ethnic-minority and foreign names, joined by middle dots or spaces.
_LETTER = "\u3400-\u9fff\uf900-\ufaff\u3007\U00020000-\U0003134fA-Za-z"
NAME_PATTERN = rf"^[{_LETTER}](?:[{_LETTER}·• ]{{0,48}}[{_LETTER}])?$"
NAME_MAX_LENGTH = 50
# The same rule for the OpenAPI schema, where a pattern must be ECMA-262 (5.1, no `u` flag) and also
# read by Python: there is no escape for a character beyond U+FFFF that both understand, so the schema
# states the rule as what a name may not contain (ASCII other than letters, and the BMP blocks outside
# the CJK ones), leaving characters beyond the BMP, and in JavaScript their UTF-16 halves, allowed.
# It accepts every name NAME_PATTERN accepts; the server refuses the rest with the field's message.
_NOT_LETTER = (
    "\\u0000-\\u0040\\u005b-\\u0060\\u007b-\\u3006\\u3008-\\u33ff\\ua000-\\ud7ff\\ue000-\\uf8ff\\ufb00-\\uffff"
)
_NOT_JOINED = (
    "\\u0000-\\u001f\\u0021-\\u0040\\u005b-\\u0060\\u007b-\\u00b6\\u00b8-\\u2021\\u2023-\\u3006"
    "\\u3008-\\u33ff\\ua000-\\ud7ff\\ue000-\\uf8ff\\ufb00-\\uffff"
)
NAME_SCHEMA_PATTERN = f"^[^{_NOT_LETTER}](?:[^{_NOT_JOINED}]*[^{_NOT_LETTER}])?$"


def normalize_id_number(value: str) -> str:
    """Full-width forms read as ASCII, spaces and dashes dropped, an x upper-cased. Other non-ASCII
    characters are kept as they are (python-stdnum would map some, such as 𝟐, to digits): the format
    check then refuses them."""
    return re.sub(r"[\s-]", "", ascii_width(value or "")).upper()


def id_number_region_known(number: str) -> bool:
    results = numdb.get("cn/loc").info(number[:6])
    return any(props for _, props in results)


def validate_id_number(value: str) -> str:
    """Return the normalised number or raise ValidationError with a Chinese message."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError("身份证号码应为18位。", code="id_number_length")
    if not ID_NUMBER_RE.match(number):
        raise ValidationError("身份证号码格式不正确：前17位应为数字，最后一位为数字或X。", code="id_number_format")
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError("身份证号码校验位不正确，请核对后重新输入。", code="id_number_checksum")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("身份证号码中的出生日期无效。", code="id_number_birth_date") from None
    if birth > timezone.localdate() or birth.year < 1880:
        raise ValidationError("身份证号码中的出生日期无效。", code="id_number_birth_date")
    if not id_number_region_known(number):
        raise ValidationError("身份证号码中的地区代码不存在。", code="id_number_region")
    return number


def birth_date(number: str) -> dt.date:
    """The birth date of a valid ID number (dt.date.min when it cannot be read)."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except (ValueError, IndexError):
        return dt.date.min


def sex_label(number: str) -> str:
    """男/女 from the 17th character of an ID number (odd: male), "" when it cannot be read (GB 11643)."""
    digit = number[16:17]
    if not digit.isdigit():
        return ""
    return "男" if int(digit) % 2 else "女"


def validate_mobile(value: str) -> str:
    number = re.sub(r"[\s-]", "", ascii_width(value or ""))
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE_RE.match(number):
        raise ValidationError("请输入有效的11位中国大陆手机号码。", code="phone_invalid")
    return number


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 李四 → 李*, 欧阳娜娜 → 欧**娜."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str) -> str:
    """6209**********123X: region prefix and last four kept."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:4] + "*" * 10 + number[-4:]


def mask_phone(number: str) -> str:
    return number[:3] + "****" + number[-4:] if len(number) == 11 else "*" * len(number)

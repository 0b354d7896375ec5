"""Field validators with messages that tell the user what is wrong (PLT-12)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

_PHONE = re.compile(r"^(1[3-9]\d{9}|12\d{3}|9\d{4}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|400-?\d{3}-?\d{4}|\+?86[- ]?1[3-9]\d{9})$")


def validate_uscc(value: str) -> None:
    """Check a unified social credit code against GB 32100, including its check character."""
    raw = (value or "").strip().upper()
    if not raw:
        return
    try:
        stdnum_uscc.validate(raw)
    except InvalidLength:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(raw)},
            code="uscc_length",
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong (GB 32100): check for a typo."),
            code="uscc_checksum",
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            _("This is not a valid unified social credit code: it uses characters or codes GB 32100 does not allow."),
            code="uscc_format",
        ) from None


def validate_id_number(value: str) -> None:
    """Check a resident identity number against GB 11643: 18 characters, a real region and
    birth date, and the check digit (0-9 or X)."""
    raw = (value or "").strip().upper()
    if not raw:
        return
    try:
        stdnum_ric.validate(raw)
    except InvalidLength:
        raise ValidationError(
            _("A resident identity number has 18 characters; this one has %(n)d.") % {"n": len(raw)},
            code="id_length",
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The check digit of this identity number is wrong (GB 11643): check for a typo."), code="id_checksum",
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            _("This is not a valid resident identity number (GB 11643): digits, region code or birth date are wrong."),
            code="id_format",
        ) from None


def validate_mobile_or_phone(value: str) -> None:
    raw = re.sub(r"\s", "", value or "")
    if raw and not _PHONE.match(raw):
        raise ValidationError(
            _("Enter a mobile number (13812341234) or a landline with area code (0592-1234567)."),
            code="phone",
        )

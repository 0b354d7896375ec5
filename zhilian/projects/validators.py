"""Field checks of the project library (PLT-12)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhilian.directory.validators import validate_mobile_or_phone

# Five-digit service numbers (12345, 12315, 95588) the directory accepts for a unit's hotline.
_SERVICE_NUMBER = re.compile(r"^(12\d{3}|9\d{4})$")


def validate_person_phone(value: str) -> None:
    """A person's phone: the directory's mobile or landline check, and no service hotline
    (12345 is the citizens' hotline, not the project leader's number)."""
    validate_mobile_or_phone(value)
    if _SERVICE_NUMBER.match(re.sub(r"\s", "", value or "")):
        raise ValidationError(
            _("%(v)s is a service hotline, not a person's phone: enter a mobile number (13812341234) or a landline "
              "with area code (0592-1234567).") % {"v": value.strip()},
            code="phone",
        )

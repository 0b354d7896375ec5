"""TOTP second factor (SEC-04): who needs it, enrolment, verification.

A TOTP device is django-otp's ``TOTPDevice`` (RFC 6238, 6 digits, 30 s, one step of clock
tolerance, replay-protected). The QR code is drawn here as SVG: no external service ever
sees the secret.
"""

import base64
import io

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhilian.core import audit
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.models import AuditAction

from .roles import Role

ALL = "all"
NONE = "none"


def required_roles() -> set[str]:
    configured = {r.strip() for r in settings.ZHILIAN_2FA_REQUIRED_ROLES if r.strip()}
    if ALL in configured:
        return {r.value for r in Role}
    if NONE in configured:
        return set()
    return configured


def is_required(user) -> bool:
    """Whether ``user``'s roles oblige a second factor (administrators and regulators by default)."""
    if user.is_superuser:
        return True
    return bool(set(user.role_codes) & required_roles())


def device_for(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def is_enrolled(user) -> bool:
    return device_for(user) is not None


def is_needed(user) -> bool:
    """A second factor is asked of everyone who must have one, and of everyone who has one."""
    return is_required(user) or is_enrolled(user)


PENDING_KEY = "zl_totp_pending_key"


def pending_device(session, user) -> TOTPDevice:
    """The authenticator being set up: an unsaved device whose new random secret waits in the
    session until the user confirms it with a first code (so showing the page writes nothing)."""
    from django_otp.plugins.otp_totp.models import default_key

    pending = session.get(PENDING_KEY)
    if not pending or pending.get("user") != user.pk:
        pending = {"user": user.pk, "key": default_key()}
        session[PENDING_KEY] = pending
    return TOTPDevice(user=user, name="authenticator", key=pending["key"], confirmed=False)


def secret_base32(device) -> str:
    """The secret as people type it into an authenticator app, in groups of four."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def qr_svg(device) -> str:
    """An inline SVG QR code of the otpauth:// URL (rendered locally, no external service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg"):]  # drop the XML declaration for inline use


def normalise(code: str) -> str:
    return "".join(ch for ch in str(code or "") if ch.isdigit())


def code_matches(device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is the current code of the not yet confirmed ``device`` (uses nothing up)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return bool(totp.verify(int(normalise(code) or -1), device.tolerance))


@transaction.atomic
def confirm_enrolment(*, user, device: TOTPDevice, code: str, session=None) -> bool:
    """Confirm the pending ``device`` with a first code; it replaces any earlier authenticator."""
    from django_otp.oath import TOTP

    if device.user_id != user.pk:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not totp.verify(int(normalise(code) or -1), device.tolerance):
        return False
    TOTPDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.last_t = totp.t()  # the confirming code is used up
    device.save()
    if session is not None:
        session.pop(PENDING_KEY, None)
    audit.write(action=AuditAction.SECURITY, instance=user, user=user, message=_("Two-factor sign-in set up"))
    return True


def verify(user, code: str) -> TOTPDevice | None:
    device = device_for(user)
    if device is not None and device.verify_token(normalise(code)):
        return device
    return None


@transaction.atomic
def remove(*, user, acting) -> int:
    """Remove every authenticator of ``user`` (the user enrols again at the next sign-in)."""
    deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
    audit.write(action=AuditAction.SECURITY, instance=user, user=acting,
                message=_("Two-factor sign-in reset") if acting != user else _("Two-factor sign-in turned off"))
    return deleted


def next_code(device) -> tuple[str, int]:
    """The code ``device`` accepts next (past any code already used) and its seconds of validity.

    For the demo's ``zhilian totp`` and the tests, which play the authenticator app.
    """
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    t = max(totp.t(), device.last_t + 1)
    totp.time = device.t0 + (t - device.drift) * device.step
    remaining = int(device.t0 + (t - device.drift + 1) * device.step - time.time())
    return f"{totp.token():0{device.digits}d}", max(remaining, 0)


def next_code_for(username: str) -> str:
    from .models import User

    return next_code(device_for(User.objects.get(username=username)))[0]

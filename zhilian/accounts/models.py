"""Users: people who belong to an organization and hold roles (PLT-01)."""

import functools
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core import i18n
from zhilian.core.links import id_url
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet

from .roles import ADMINISTRATORS, REGULATORS, Role

@functools.cache
def _role_labels() -> dict:
    # Lazy labels: each is translated when shown. Role.choices builds its list anew per call.
    return dict(Role.choices)


mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland mobile number, e.g. 13812341234."))


class UserQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        # System and security administrators manage accounts, but never their own through
        # the administration pages (SEC-05: nobody grants or unlocks themselves); everyone
        # else sees colleagues of their own organization, which is what assignment pickers need.
        if user.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
            if action == "view":
                return EVERYTHING
            others = ~Q(pk=user.pk)
            if action == "change":
                # Nor an account holding an administrator duty: the system administrator cannot
                # disable the security or audit administrator, the security administrator cannot
                # demote them (SEC-05). A superuser keeps those accounts (docs/security.md §1.7).
                others &= ~Q(pk__in=User.groups.through.objects.filter(
                    group__name__in=[role.value for role in ADMINISTRATORS]).values("user"))
            return others
        if action == "view" and user.organization_id:
            return Q(organization_id=user.organization_id) | Q(pk=user.pk)
        return Q(pk=user.pk) if action == "view" else NOTHING


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A platform account. Roles are Django groups named by :class:`Role` codes."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    organization = models.ForeignKey(
        "directory.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        verbose_name=_("organization"),
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[mobile_validator])
    position = models.CharField(_("position"), max_length=100, blank=True)
    # Sign-in security (SEC-01, SEC-02): kept on the account so every process agrees.
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True, editable=False)
    must_change_password = models.BooleanField(
        _("must change password"), default=False,
        help_text=_("The user is asked for a new password at the next sign-in."),
    )
    failed_login_count = models.PositiveSmallIntegerField(_("consecutive failed sign-ins"), default=0, editable=False)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            ("unmask_personal_data", "Can see unmasked mobile and identity numbers"),
            ("assign_roles", "Can assign roles to accounts"),
            ("security_user", "Can unlock accounts, reset two-factor sign-in and end sessions"),
        ]

    def __str__(self):
        return self.full_name or self.username

    def get_absolute_url(self):
        
        return id_url("accounts:user_edit", self.pk)

    # roles ----------------------------------------------------------------
    @cached_property
    def role_codes(self) -> frozenset:
        if not self.pk:
            return frozenset()
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:  # lists of users prefetch their groups
            return frozenset(group.name for group in prefetched)
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles) -> bool:
        return bool(self.role_codes & {str(r) for r in roles})

    @property
    def roles_display(self) -> list[str]:
        labels = _role_labels()
        return [str(labels.get(code, code)) for code in sorted(self.role_codes)]

    @property
    def is_regulator(self) -> bool:
        return self.has_role(*REGULATORS)

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.has_role(*ADMINISTRATORS)

    @cached_property
    def district(self) -> str:
        """The district a regulator's unit covers ("" for city level and non-regulators)."""
        org = self.organization
        return (org.district or "") if org is not None else ""

    # sign-in security ------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())

    @property
    def password_expired(self) -> bool:
        from django.conf import settings

        days = settings.ZHILIAN_PASSWORD_MAX_AGE_DAYS
        if not days or not self.has_usable_password():
            return False
        changed = self.password_changed_at or self.date_joined
        return changed + timezone.timedelta(days=days) <= timezone.now()

    def save(self, *args, **kwargs):
        # set_password() leaves the raw password in _password until the save: that is the
        # moment the password changed (history, expiry clock, ending other sessions).
        password_changed = self._password is not None
        created = self._state.adding
        if password_changed:
            self.password_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = set(update_fields) | {"password_changed_at"}
        super().save(*args, **kwargs)
        if password_changed:
            from .signals import password_changed as password_changed_signal

            password_changed_signal.send(sender=type(self), user=self, created=created)

    def refresh_roles(self):
        for attr in ("role_codes", "district"):
            self.__dict__.pop(attr, None)
        for attr in ("_perm_cache", "_group_perm_cache", "_user_perm_cache", "_zl_scopes", "_served_districts"):
            self.__dict__.pop(attr, None)


class PasswordHistory(models.Model):
    """A former password hash, so that the last N cannot be reused (SEC-01)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("former password")
        verbose_name_plural = _("former passwords")
        ordering = ["-created_at", "-id"]


class SecurityQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        # The security administrator reviews everyone's sign-ins and sessions; a user sees
        # their own sessions (profile page) and nothing else.
        if action == "view" and user.has_perm("accounts.security_user"):
            return EVERYTHING
        return Q(user=user) if action in ("view", "delete") and self.model is UserSession else NOTHING


class SignInAttempt(models.Model):
    """One sign-in attempt, the basis of lockout and rate limits (SEC-02).

    Attempts are counted per account name and per address in a sliding window; the table is
    pruned after a day (the audit log keeps the permanent record of every sign-in event).
    """

    class Outcome(models.TextChoices):
        OK = "ok", pgettext_lazy("sign-in result", "Signed in")
        PASSWORD_OK = "password_ok", _("Password accepted, second factor pending")
        BAD_CREDENTIALS = "bad_credentials", _("Wrong user name or password")
        BAD_OTP = "bad_otp", _("Wrong verification code")
        LOCKED = "locked", _("Refused: account locked")
        RATE_LIMITED = "rate_limited", _("Refused: too many attempts")

    class Channel(models.TextChoices):
        """How the account signed in: kept as the code, shown in the reader's language (the
        codes are the ones stored from the start, so every row reads)."""

        WEB = "web", pgettext_lazy("sign-in channel", "Web page")
        API = "api", pgettext_lazy("sign-in channel", "API token request")
        INTERNAL = "internal", pgettext_lazy("sign-in channel", "Other")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    username = models.CharField(_("user name"), max_length=150)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)

    objects = RestrictedManager.from_queryset(SecurityQuerySet)()

    class Meta:
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["ip_address", "at"])]

    @staticmethod
    def channel_recorded(code: str) -> str:
        """The channel for a kept message (``core.i18n``): its label, read in the reader's
        language; a code without a label as it is."""
        return i18n.recorded(SignInAttempt.Channel(code).label) if code in SignInAttempt.Channel.values else code

    @property
    def failed(self) -> bool:
        return self.outcome in (self.Outcome.BAD_CREDENTIALS, self.Outcome.BAD_OTP)


class UserSession(models.Model):
    """A signed-in browser session, so it can be listed and ended (SEC-03)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    last_seen = models.DateTimeField(_("last active"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)

    objects = RestrictedManager.from_queryset(SecurityQuerySet)()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen"]


class TokenUse(models.Model):
    """When an API token was last used, for the idle limit (SEC-03).

    Kept beside DRF's ``authtoken.Token`` (which only knows when it was created) and deleted
    with it. Written at most once a minute per token (``authentication.TOUCH_EVERY_SECONDS``).
    """

    token = models.OneToOneField("authtoken.Token", primary_key=True, on_delete=models.CASCADE, related_name="use")
    last_used = models.DateTimeField(_("last used"), default=timezone.now)

    class Meta:
        verbose_name = _("API token use")
        verbose_name_plural = _("API token uses")

"""Sign-in (password, then the TOTP second factor), the user's own account page, and the
account administration pages of the system and security administrators (SEC-01 … SEC-05)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from rest_framework.authtoken.models import Token

from zhilian.core import audit, i18n
from zhilian.core.context import client_ip
from zhilian.core.generic import ObjectEditView, ObjectListView
from zhilian.core.models import AuditAction
from zhilian.core.permissions import get_restricted_or_404
from zhilian.core.text import pinyin_key

from . import authentication, sessions, signin, tables, twofactor
from .forms import LoginForm, OTPForm, PasswordForm, ReauthForm, UserForm
from .models import SignInAttempt, User, UserSession
from .roles import Role

PENDING = "zl_2fa_pending"
PENDING_SECONDS = 300


# --------------------------------------------------------------------------- sign-in


def complete_sign_in(request, user, *, device=None):
    """Every factor passed: start the session, remember the device, reset the failure count."""
    # How the account signed in, for the audit record: kept translatable (core.i18n), so the
    # audit log reads it in its reader's language.
    request.signin_method = (i18n.gettext("Password and verification code") if device is not None
                             else i18n.gettext("Password"))
    auth_login(request, user, backend="zhilian.accounts.backends.LockoutBackend")
    if device is not None:
        otp_login(request, device)
    signin.register_success(user, client_ip(request), channel="web")


def _pending(request):
    """The user who gave the right password and still owes a verification code, or None."""
    data = request.session.get(PENDING)
    if not data or time.time() - data.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, "/"
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    return user, data.get("next") or "/"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Django's LoginView names the site after the request's host; the platform has a name.
        return {**super().get_context_data(**kwargs), "site_name": settings.ZHILIAN_SITE_NAME}

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.is_needed(user):
            signin.register_password_ok(user, client_ip(self.request))
            self.request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": self.get_success_url()}
            step = "accounts:login_verify" if twofactor.is_enrolled(user) else "accounts:login_enrol"
            return HttpResponseRedirect(reverse(step))
        complete_sign_in(self.request, user)
        return HttpResponseRedirect(self.get_success_url())


def _refuse_pending(request, refusal):
    request.session.pop(PENDING, None)
    messages.error(request, refusal.message)
    return HttpResponseRedirect(reverse("accounts:login"))


def _expired(request):
    messages.warning(request, _("The sign-in took too long. Please sign in again."))
    return HttpResponseRedirect(reverse("accounts:login"))


def login_verify(request):
    """Second step: the code from the authenticator app."""
    user, next_url = _pending(request)
    if user is None:
        return _expired(request)
    if not twofactor.is_enrolled(user):
        return HttpResponseRedirect(reverse("accounts:login_enrol"))
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        refused = signin.refusal(user.get_username(), ip)
        if refused is not None:
            signin.register_refusal(user.get_username(), ip, refused)
            return _refuse_pending(request, refused)
        device = twofactor.verify(user, form.cleaned_data["code"])
        if device is not None:
            request.session.pop(PENDING, None)
            complete_sign_in(request, user, device=device)
            return HttpResponseRedirect(next_url)
        locked = signin.register_failure(user.get_username(), ip, outcome=SignInAttempt.Outcome.BAD_OTP)
        if locked is not None:
            return _refuse_pending(request, locked)
        form.add_error("code", _("The code is wrong or has already been used. Enter the code shown now."))
    return render(request, "accounts/login_verify.html", {"form": form, "title": _("Two-factor sign-in"),
                                                          "pending_user": user})


def _enrol_context(device, form, **extra):
    # The authenticator app lists the entry as "issuer: user name" (the otpauth label).
    return {"form": form, "device": device, "qr_svg": twofactor.qr_svg(device),
            "secret": twofactor.secret_base32(device), "issuer": settings.OTP_TOTP_ISSUER,
            "account": device.user.get_username(), **extra}


def login_enrol(request):
    """Second step for a user who must use two-factor sign-in and has no authenticator yet."""
    user, next_url = _pending(request)
    if user is None:
        return _expired(request)
    device = twofactor.pending_device(request.session, user)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        refused = signin.refusal(user.get_username(), ip)
        if refused is not None:
            signin.register_refusal(user.get_username(), ip, refused)
            return _refuse_pending(request, refused)
        if twofactor.confirm_enrolment(user=user, device=device, code=form.cleaned_data["code"], session=request.session):
            request.session.pop(PENDING, None)
            complete_sign_in(request, user, device=twofactor.device_for(user))
            messages.success(request, _("Two-factor sign-in is set up. From now on you sign in with your password "
                                        "and a code from the app."))
            return HttpResponseRedirect(next_url)
        locked = signin.register_failure(user.get_username(), ip, outcome=SignInAttempt.Outcome.BAD_OTP)
        if locked is not None:
            return _refuse_pending(request, locked)
        form.add_error("code", _("The code does not match. Check the phone's clock and enter the code shown now."))
    return render(request, "accounts/two_factor_enrol.html",
                  _enrol_context(device, form, title=_("Set up two-factor sign-in"), during_login=True,
                                 pending_user=user))


class LogoutView(auth_views.LogoutView):
    pass


# --------------------------------------------------------------------------- the user's own account


@login_required
def profile(request):
    user = request.user
    token = Token.objects.filter(user=user).select_related("use").first()
    return render(request, "accounts/profile.html", {
        "title": _("My account"),
        "token": token,
        "token_ends": authentication.token_expiry(token)[0] if token is not None else None,
        "token_current": token is not None and authentication.is_current(token),
        "token_max_age_days": settings.ZHILIAN_API_TOKEN_MAX_AGE_DAYS,
        "token_idle_hours": settings.ZHILIAN_API_TOKEN_IDLE_HOURS,
        "new_token": request.session.pop("zl_new_token", None),
        "two_factor_required": twofactor.is_required(user),
        "two_factor_device": twofactor.device_for(user),
        "reauth": ReauthForm(user),
        "sessions": UserSession.objects.restrict(user, "view").filter(user=user),
        "current_session": request.session.session_key,
        "recent_signins": SignInAttempt.objects.filter(user=user).order_by("-at")[:10],
        "password_max_age": settings.ZHILIAN_PASSWORD_MAX_AGE_DAYS,
        "password_expires_at": (user.password_changed_at or user.date_joined)
        + timezone.timedelta(days=settings.ZHILIAN_PASSWORD_MAX_AGE_DAYS)
        if settings.ZHILIAN_PASSWORD_MAX_AGE_DAYS else None,
    })


@login_required
def password_change(request):
    """Change one's own password; all other sessions and API tokens end (SEC-03).

    The current password is asked for, so the form could be used to guess it from a
    session left open: a wrong one counts towards the same lockout as a failed sign-in
    (SEC-02) and is audited; while the account is locked or rate-limited nothing is checked,
    and the session whose guesses locked the account is signed out.
    """
    user = request.user
    ip = client_ip(request)
    refused = signin.refusal(user.get_username(), ip) if request.method == "POST" else None
    if refused is not None:
        signin.register_refusal(user.get_username(), ip, refused)
    form = PasswordForm(user, request.POST or None, refusal=refused)
    if request.method == "POST" and form.has_error("old_password", "password_incorrect"):
        ended = _count_wrong_answer(request, i18n.gettext("Password change: wrong current password"))
        if ended is not None:
            return ended
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.must_change_password = False
            user.save()
        update_session_auth_hash(request, user)
        sessions.track(request, user)
        messages.success(request, _("Your password was changed. Your other sessions and your API token were ended."))
        return HttpResponseRedirect(reverse("accounts:profile"))
    return _password_change_page(request, form)


def _count_wrong_answer(request, message, *, outcome=SignInAttempt.Outcome.BAD_CREDENTIALS):
    """A signed-in user gave a wrong current password or code: count it as a failed sign-in
    (SEC-02) and audit it. When it locks the account, sign this session out and return the
    redirect to the sign-in page; else None."""
    user = request.user
    if outcome == SignInAttempt.Outcome.BAD_CREDENTIALS:  # wrong codes are audited by register_failure
        audit.write(action=AuditAction.LOGIN_FAILED, instance=user, user=user, message=message)
    locked = signin.register_failure(user.get_username(), client_ip(request), outcome=outcome)
    if locked is None:
        return None
    auth_logout(request)
    messages.error(request, locked.message)
    return HttpResponseRedirect(reverse("accounts:login"))


def _reauthenticate(request):
    """The re-authentication form of a sensitive action (``forms.ReauthForm``), and, when the
    posted answers were wrong, what to answer: a redirect if they locked the account."""
    user = request.user
    refused = None
    if request.method == "POST":
        refused = signin.refusal(user.get_username(), client_ip(request))
        if refused is not None:
            signin.register_refusal(user.get_username(), client_ip(request), refused)
    form = ReauthForm(user, request.POST or None, refusal=refused)
    if request.method != "POST" or form.is_valid():
        return form, None
    if form.has_error("current_password", "password_incorrect"):
        return form, _count_wrong_answer(request, i18n.gettext("Re-authentication: wrong current password"))
    if form.has_error("current_code", "otp_invalid"):
        return form, _count_wrong_answer(request, "", outcome=SignInAttempt.Outcome.BAD_OTP)
    return form, None


def _password_change_page(request, form):
    return render(request, "accounts/password_change.html", {
        "form": form, "title": _("Change password"),
        "forced": request.user.must_change_password or request.user.password_expired,
    })


@login_required
def two_factor_setup(request):
    """Set up (or replace) the authenticator of the signed-in user.

    The user confirms with the current password, and with a code of the current authenticator
    when replacing one, before the new authenticator's code is even looked at.
    """
    device = twofactor.pending_device(request.session, request.user)
    form = OTPForm(request.POST or None)
    form.fields["code"].label = _("Code shown by the app you are setting up")
    reauth = ReauthForm(request.user)
    if request.method == "POST" and form.is_valid():
        # The new app's code first: a mistake there must not use up the current app's code.
        if not twofactor.code_matches(device, form.cleaned_data["code"]):
            form.add_error("code", _("The code does not match. Check the phone's clock and enter the code shown now."))
        else:
            reauth, ended = _reauthenticate(request)
            if ended is not None:
                return ended
            if reauth.is_valid() and twofactor.confirm_enrolment(
                    user=request.user, device=device, code=form.cleaned_data["code"], session=request.session):
                otp_login(request, twofactor.device_for(request.user))
                messages.success(request, _("Two-factor sign-in is set up."))
                return HttpResponseRedirect(reverse("accounts:profile"))
    return render(request, "accounts/two_factor_enrol.html",
                  _enrol_context(device, form, title=_("Set up two-factor sign-in"), during_login=False,
                                 reauth=reauth))


@login_required
@require_POST
def two_factor_disable(request):
    if twofactor.is_required(request.user):
        messages.error(request, _("Your role requires two-factor sign-in; it cannot be turned off."))
    else:
        twofactor.remove(user=request.user, acting=request.user)
        messages.success(request, _("Two-factor sign-in is turned off."))
    return HttpResponseRedirect(reverse("accounts:profile"))


@login_required
@require_POST
def session_end(request):
    """End one of one's own other sessions (e.g. a forgotten office computer)."""
    key = request.POST.get("session", "")
    if key and key != request.session.session_key and sessions.end_one(request.user, key):
        audit.write(action=AuditAction.SECURITY, instance=request.user, message=i18n.gettext("Ended another session"))
        messages.success(request, _("The session was ended."))
    return HttpResponseRedirect(reverse("accounts:profile"))


@login_required
@require_POST
def token_reset(request):
    """Issue a new API token (shown once), revoking the old one; or just revoke it.

    Issuing needs the current password (and authenticator code where one is set up):
    a token is a credential that outlives the session.
    """
    if "revoke" not in request.POST:
        reauth, ended = _reauthenticate(request)
        if ended is not None:
            return ended
        if not reauth.is_valid():
            for errors in reauth.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(reverse("accounts:profile") + "#api-token-card")
    with transaction.atomic():
        Token.objects.filter(user=request.user).delete()
        if "revoke" not in request.POST:
            token = Token.objects.create(user=request.user)
            request.session["zl_new_token"] = token.key
    audit.write(action=AuditAction.SECURITY, instance=request.user,
                message=i18n.gettext("API token revoked") if "revoke" in request.POST
                else i18n.gettext("New API token issued"))
    messages.success(request, _("API token revoked.") if "revoke" in request.POST else _("New API token issued."))
    return HttpResponseRedirect(reverse("accounts:profile"))


# --------------------------------------------------------------------------- administration


class UserListView(ObjectListView):
    model = User
    table_class = tables.UserTable
    add_url_name = "accounts:user_add"
    search_title_field = "username"

    def get_queryset(self):
        return super().get_queryset().select_related("organization").prefetch_related("groups")

    def get_extra_context(self, request):
        return {"can_add": request.user.has_perm("accounts.add_user")}


class UserEditView(ObjectEditView):
    model = User
    form_class = UserForm

    def get_object(self, pk):
        if pk is None and not self.request.user.has_perm("accounts.add_user"):
            raise PermissionDenied
        return super().get_object(pk)

    def prepare(self, obj, form):
        if not obj.pk and form.cleaned_data.get("password"):
            obj.set_password(form.cleaned_data["password"])
            obj.must_change_password = True  # an initial password is the administrator's, not the user's

    def after_save(self, obj, form):
        form.save_roles(obj)

    def success_url(self, obj):
        return reverse("accounts:user_list")


SECURITY_ACTIONS = {"unlock", "reset_two_factor", "end_sessions", "force_password_change"}


def user_security(request, pk):
    """The security administrator's view of one account: lock, second factor, sessions, sign-ins."""
    if not request.user.is_authenticated:
        return auth_views.redirect_to_login(request.get_full_path())
    if not request.user.has_perm("accounts.security_user"):
        raise PermissionDenied
    target = get_restricted_or_404(User.objects.all(), request.user, "security", pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in SECURITY_ACTIONS:
            raise PermissionDenied
        from . import services

        getattr(services, f"user_{action}")(user=request.user, target=target)
        messages.success(request, {
            "unlock": _("The account is unlocked."),
            "reset_two_factor": _("Two-factor sign-in was reset: the user sets it up again at the next sign-in."),
            "end_sessions": _("All sessions ended and API tokens revoked."),
            "force_password_change": _("The user must choose a new password at the next sign-in."),
        }[action])
        return HttpResponseRedirect(reverse("accounts:user_security", args=[target.pk]))
    return render(request, "accounts/user_security.html", {
        "title": _("Security of %(name)s") % {"name": target}, "target": target,
        "device": twofactor.device_for(target), "two_factor_required": twofactor.is_required(target),
        "sessions": UserSession.objects.restrict(request.user, "view").filter(user=target),
        "attempts": SignInAttempt.objects.restrict(request.user, "view").filter(username=target.username)[:20],
    })


user_security.walk_model = User
user_security.walk_action = "security"


def _required_roles_text() -> str:
    """The roles by name in the reader's language (the setting holds codes)."""
    labels = dict(Role.choices)
    names = sorted((str(labels.get(code, code)) for code in twofactor.required_roles()), key=pinyin_key)
    return pgettext("list separator", ", ").join(names) or "—"


def security_overview(request):
    """Security policy in force, locked accounts and recent failed sign-ins (security administrator)."""
    if not request.user.is_authenticated:
        return auth_views.redirect_to_login(request.get_full_path())
    if not request.user.has_perm("accounts.security_user"):
        raise PermissionDenied
    now = timezone.now()
    failures = SignInAttempt.objects.restrict(request.user, "view").exclude(
        outcome__in=[SignInAttempt.Outcome.OK, SignInAttempt.Outcome.PASSWORD_OK])
    policy = [
        (_("Minimum password length"), settings.ZHILIAN_PASSWORD_MIN_LENGTH, "ZHILIAN_PASSWORD_MIN_LENGTH"),
        (_("Character classes required (of 4)"), settings.ZHILIAN_PASSWORD_MIN_CLASSES, "ZHILIAN_PASSWORD_MIN_CLASSES"),
        (_("Former passwords that may not be reused"), settings.ZHILIAN_PASSWORD_HISTORY, "ZHILIAN_PASSWORD_HISTORY"),
        (_("Password expires after (days, 0 = never)"), settings.ZHILIAN_PASSWORD_MAX_AGE_DAYS, "ZHILIAN_PASSWORD_MAX_AGE_DAYS"),
        (_("Failed sign-ins before lockout"), settings.ZHILIAN_LOGIN_MAX_FAILURES, "ZHILIAN_LOGIN_MAX_FAILURES"),
        (_("Lockout (minutes)"), settings.ZHILIAN_LOCKOUT_MINUTES, "ZHILIAN_LOCKOUT_MINUTES"),
        (_("Rate-limit window (seconds)"), settings.ZHILIAN_SIGNIN_WINDOW_SECONDS, "ZHILIAN_SIGNIN_WINDOW_SECONDS"),
        (_("Attempts per account in the window"), settings.ZHILIAN_SIGNIN_MAX_PER_ACCOUNT, "ZHILIAN_SIGNIN_MAX_PER_ACCOUNT"),
        (_("Failures per address in the window"), settings.ZHILIAN_SIGNIN_MAX_FAILURES_PER_ADDRESS, "ZHILIAN_SIGNIN_MAX_FAILURES_PER_ADDRESS"),
        (_("Idle session timeout (minutes)"), settings.ZHILIAN_SESSION_IDLE_MINUTES, "ZHILIAN_SESSION_IDLE_MINUTES"),
        (_("Longest session (hours)"), settings.ZHILIAN_SESSION_MAX_HOURS, "ZHILIAN_SESSION_MAX_HOURS"),
        (_("API token ends unused after (hours, 0 = never)"), settings.ZHILIAN_API_TOKEN_IDLE_HOURS,
         "ZHILIAN_API_TOKEN_IDLE_HOURS"),
        (_("API token lasts at most (days, 0 = no limit)"), settings.ZHILIAN_API_TOKEN_MAX_AGE_DAYS,
         "ZHILIAN_API_TOKEN_MAX_AGE_DAYS"),
        (_("Roles that must use two-factor sign-in"), _required_roles_text(), "ZHILIAN_2FA_REQUIRED_ROLES"),
    ]
    return render(request, "accounts/security_overview.html", {
        "title": _("Account security"), "policy": policy,
        "locked": User.objects.restrict(request.user, "view").filter(locked_until__gt=now),
        "failures": failures.select_related("user")[:50],
        "without_two_factor": [u for u in User.objects.restrict(request.user, "view").filter(is_active=True)
                               .prefetch_related("groups") if twofactor.is_required(u) and not twofactor.is_enrolled(u)],
    })


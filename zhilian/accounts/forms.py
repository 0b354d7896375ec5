from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from zhilian.core.forms import BaseModelForm

from .models import User
from .roles import ADMINISTRATORS, Role


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong user name or password. After %(limit)d failed attempts the account is "
                           "locked for %(minutes)d minutes."),
    }

    def get_invalid_login_error(self):
        from django.conf import settings

        refusal = getattr(self.request, "signin_refusal", None)
        if refusal is not None:
            return forms.ValidationError(refusal.message, code=refusal.code)
        return forms.ValidationError(
            self.error_messages["invalid_login"], code="invalid_login",
            params={"limit": settings.ZHILIAN_LOGIN_MAX_FAILURES, "minutes": settings.ZHILIAN_LOCKOUT_MINUTES},
        )


class OTPForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"), max_length=12,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*"}),
        help_text=_("The 6-digit code your authenticator app shows now."),
    )


class ReauthForm(forms.Form):
    """Confirm a sensitive action with the current password, and the current authenticator's
    code where one is set up (等保 8.1.4.1 身份鉴别: re-authenticate before changing the
    means of authentication or issuing a credential).

    A signed-in session is not proof enough: whoever finds it open could otherwise move the
    second factor to their own phone or take away a token. The view counts wrong answers
    towards the sign-in lockout (``views._count_wrong_answer``).
    """

    current_password = forms.CharField(
        label=_("Current password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    current_code = forms.CharField(
        label=_("Code from your current authenticator"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}),
        help_text=_("The 6-digit code the authenticator app you use now shows."))

    def __init__(self, user, *args, refusal=None, **kwargs):
        from . import twofactor

        super().__init__(*args, **kwargs)
        self.user = user
        self.refusal = refusal  # signin.Refusal: locked or rate-limited, nothing is checked
        if not twofactor.is_enrolled(user):
            self.fields.pop("current_code")

    def clean_current_password(self):
        if self.refusal is not None:
            raise forms.ValidationError(self.refusal.message, code=self.refusal.code)
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The current password is wrong."), code="password_incorrect")
        return password

    def clean(self):
        from . import twofactor

        cleaned = super().clean()
        # The code is checked (and used up) only once the password is right.
        if "current_code" in self.fields and "current_password" in cleaned and cleaned.get("current_code"):
            if twofactor.verify(self.user, cleaned["current_code"]) is None:
                self.add_error("current_code", forms.ValidationError(
                    _("The code is wrong or has already been used. Enter the code shown now."), code="otp_invalid"))
        return cleaned


class PasswordForm(PasswordChangeForm):
    """Change one's own password under the platform's rules (SEC-01)."""

    def __init__(self, user, *args, refusal=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.refusal = refusal  # signin.Refusal: locked or rate-limited, the password is not checked
        self.fields["new_password1"].help_text = password_validation.password_validators_help_text_html()

    def clean_old_password(self):
        if self.refusal is not None:
            raise forms.ValidationError(self.refusal.message, code=self.refusal.code)
        return super().clean_old_password()


class UserForm(BaseModelForm):
    """An account as administrators edit it (SEC-05).

    The system administrator maintains accounts (identity, organization, contact, active);
    only the security administrator assigns roles. The acting user's permissions decide
    which of the two parts the form carries.
    """

    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple,
                                      required=False)
    password = forms.CharField(label=_("Initial password"), required=False, widget=forms.PasswordInput,
                               help_text=_("Only for a new account; the user changes it at first sign-in."))

    ACCOUNT_FIELDS = ["username", "full_name", "organization", "position", "mobile", "email", "is_active"]

    class Meta:
        model = User
        fields = ["username", "full_name", "organization", "position", "mobile", "email", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        acting = self.user
        self.edits_account = acting is not None and acting.has_perm("accounts.add_user")
        self.edits_roles = acting is not None and acting.has_perm("accounts.assign_roles")
        if not self.edits_account:
            for name in self.ACCOUNT_FIELDS:
                self.fields.pop(name, None)
            self.fields.pop("password", None)
        if self.edits_roles:
            if self.instance.pk:
                self.fields["roles"].initial = sorted(self.instance.role_codes)
        else:
            self.fields.pop("roles")
        if self.instance.pk:
            self.fields.pop("password", None)
        if "organization" in self.fields:
            self.restrict_choices("organization")

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if not self.instance.pk and not password:
            raise forms.ValidationError(_("A new account needs an initial password."))
        return password

    def _post_clean(self):
        super()._post_clean()
        # Checked once the instance holds the submitted user name, name and organization,
        # so that a password built on them is refused (validators.CommonWordValidator).
        password = self.cleaned_data.get("password")
        if password:
            try:
                password_validation.validate_password(password, self.instance)
            except forms.ValidationError as error:
                self.add_error("password", error)

    def clean_roles(self):
        roles = self.cleaned_data.get("roles") or []
        admin_roles = [r for r in roles if r in {a.value for a in ADMINISTRATORS}]
        # GB/T 22239 separation of duties: one person is never two of the three administrators.
        if len(admin_roles) > 1:
            raise forms.ValidationError(_("An account may hold only one of the system, security and audit "
                                          "administrator roles."))
        if admin_roles and len(roles) > 1:
            raise forms.ValidationError(_("An administrator account holds no business role."))
        return roles

    def save_roles(self, user):
        if self.edits_roles and "roles" in self.cleaned_data:
            user.groups.set(Group.objects.filter(name__in=self.cleaned_data["roles"]))
            user.refresh_roles()

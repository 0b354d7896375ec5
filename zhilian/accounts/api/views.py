from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from zhilian.core import audit
from zhilian.core.api.viewsets import RestrictedReadOnlyViewSet
from zhilian.core.context import client_ip
from zhilian.core.models import AuditAction

from .. import authentication, signin, twofactor
from ..authentication import PasswordChangeRequired
from ..models import SignInAttempt, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(required=False, allow_blank=True, max_length=12,
                                help_text="Current TOTP code; required for accounts with two-factor sign-in.")


class TokenErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class ObtainTokenView(APIView):
    """Exchange a username, password (and, for two-factor accounts, the current TOTP code
    ``otp``) for an API token; send it as ``Authorization: Token …``.

    The account's token is returned while it is current; past its age or idle limit
    (``ZHILIAN_API_TOKEN_MAX_AGE_DAYS``, ``ZHILIAN_API_TOKEN_IDLE_HOURS``) a new one is
    issued. Asking again is how a client renews an expired token (which answers 401
    ``token_expired``).

    Sign-in limits apply as on the web (SEC-02): a locked account answers 403
    ``account_locked``, too many attempts 429 ``rate_limited``. An account whose password
    expired or is still the initial one answers 403 ``password_change_required`` (SEC-01)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {
                "token": serializers.CharField(),
                "expires_at": serializers.DateTimeField(
                    allow_null=True, help_text="When the token ends unless it is used again before: the earlier of "
                                               "its age limit and its idle limit (null: no limit)."),
            }),
            400: OpenApiResponse(TokenErrorSerializer, description="Wrong credentials or code, or a field missing"),
            403: OpenApiResponse(TokenErrorSerializer, description="Account locked, two-factor not set up, or the "
                                 "password must be changed on the web first (password_change_required)"),
            429: OpenApiResponse(TokenErrorSerializer, description="Too many attempts"),
        },
        auth=[],
    )
    def post(self, request):
        params = TokenRequestSerializer(data=request.data)
        if not params.is_valid():
            # The documented error shape (detail, code), with the field errors beside it, as every
            # endpoint gives them ("Unknown field." under a key no field reads); the detail says
            # what is wrong, not "send username and password" to a body that has both.
            return Response({"detail": self._invalid_detail(params.errors), "code": "invalid", **params.errors},
                            status=status.HTTP_400_BAD_REQUEST)
        data = params.validated_data
        request.signin_channel = "api"
        ip = client_ip(request)
        user = authenticate(request=request, username=data["username"], password=data["password"])
        if user is None:
            return self._refused(request)
        if twofactor.is_needed(user):
            if not twofactor.is_enrolled(user):
                signin.register_password_ok(user, ip, channel="api")
                return Response({"detail": _("Set up two-factor sign-in in the web interface first."),
                                 "code": "two_factor_not_set_up"}, status=status.HTTP_403_FORBIDDEN)
            if not twofactor.normalise(data.get("otp", "")):
                signin.register_password_ok(user, ip, channel="api")
                return Response({"detail": _("This account signs in with a second factor: send the current code "
                                             "as otp."), "code": "otp_required"}, status=status.HTTP_400_BAD_REQUEST)
            if twofactor.verify(user, data["otp"]) is None:
                locked = signin.register_failure(user.get_username(), ip, channel="api",
                                                 outcome=SignInAttempt.Outcome.BAD_OTP)
                if locked is not None:
                    return Response({"detail": locked.message, "code": "account_locked"}, status=status.HTTP_403_FORBIDDEN)
                return Response({"detail": _("The verification code is wrong or was already used."),
                                 "code": "otp_invalid"},
                                status=status.HTTP_400_BAD_REQUEST)
        signin.register_success(user, ip, channel="api")
        if user.must_change_password or user.password_expired:
            # As on the web, nothing but the password change until it is done (SEC-01): no token.
            refused = PasswordChangeRequired(user)
            audit.write(action=AuditAction.LOGIN_FAILED, instance=user, user=None,
                        message=SignInAttempt.channel_recorded("api") + ": " + str(refused.detail["detail"]))
            return Response(refused.detail, status=refused.status_code)
        audit.write(action=AuditAction.LOGIN, instance=user, user=user,
                    message=SignInAttempt.channel_recorded("api"))
        token = Token.objects.filter(user=user).select_related("use").first()
        if token is not None and not authentication.is_current(token):
            token.delete()  # past its age or idle limit: renewing means a new token
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        authentication.record_use(token)
        expires, _reason = authentication.token_expiry(token)
        return Response({"token": token.key, "expires_at": expires})

    @staticmethod
    def _invalid_detail(errors) -> str:
        """What the ``detail`` of a refused body says: a credential missing, else keys it does
        not read, else the fields' own errors."""
        missing = {"required", "blank", "null"}
        if any(getattr(error, "code", None) in missing for name in ("username", "password")
               for error in errors.get(name, ())):
            return _("Send username and password.")
        if any(getattr(error, "code", None) == "unknown_field" for messages in errors.values()
               if isinstance(messages, list) for error in messages):
            return _("Send only username, password and, for accounts with two-factor sign-in, otp.")
        return _("Correct the fields named: each says what is wrong.")

    @staticmethod
    def _refused(request):
        refusal = getattr(request, "signin_refusal", None)
        if refusal is not None and refusal.code == "rate_limited":
            return Response({"detail": refusal.message, "code": "rate_limited"}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if refusal is not None:
            return Response({"detail": refusal.message, "code": "account_locked"}, status=status.HTTP_403_FORBIDDEN)
        return Response({"detail": _("Unable to sign in with the given credentials."), "code": "invalid_credentials"},
                        status=status.HTTP_400_BAD_REQUEST)


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    organization_name = serializers.CharField(source="organization.name", default=None, read_only=True,
                                              allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "organization", "organization_name", "roles", "is_active"]

    def get_roles(self, obj) -> list[str]:
        return sorted(obj.role_codes)


class UserViewSet(RestrictedReadOnlyViewSet):
    """Platform accounts the caller may see (colleagues; everyone for account administrators)."""

    queryset = User.objects.select_related("organization")
    serializer_class = UserSerializer
    filterset_fields = ["organization", "is_active"]
    ordering_fields = ["username", "id"]


class MeView(APIView):
    """The authenticated caller's own account and roles."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)

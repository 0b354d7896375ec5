"""Demo accounts, one per role (PLT-13). All share the password in DEMO_PASSWORD.

Personas whose role must sign in with a second factor (SEC-04) are enrolled with the
published demo secret DEMO_TOTP_SECRET: add it to any authenticator app, or print the
current code with ``zhilian totp <username>``. Demo data only: never load it in production.
"""

import base64

from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhilian.directory.models import Expert, Organization, ServiceCommissioner

from .models import User
from .roles import Role

DEMO_PASSWORD = "Zhilian@2026"
DEMO_TOTP_SECRET = "ZHILIANDEMOTOTPSECRETKEYZHILIAND"  # base32, as authenticator apps take it
DEMO_DEVICE_NAME = "demo"

# username, full name, role, organization name, mobile
DEMO_USERS = [
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "厦门市质量基础设施协同服务中心", ""),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN, "厦门市质量基础设施协同服务中心", ""),
    ("auditor", "审计管理员", Role.AUDIT_ADMIN, "厦门市质量基础设施协同服务中心", ""),
    ("city", "市局 质量发展处 王科长", Role.CITY_REGULATOR, "厦门市市场监督管理局", "13906050001"),
    ("district", "翔安区局 李科员", Role.DISTRICT_REGULATOR, "厦门市翔安区市场监督管理局", "13906050002"),
    ("grassroots", "新店所 陈所长", Role.GRASSROOTS_REGULATOR, "翔安区新店市场监督管理所", "13906050003"),
    ("mgmt", "协同服务中心 周主任", Role.MANAGEMENT_INSTITUTION, "厦门市质量基础设施协同服务中心", "13906050004"),
    ("institution", "鹭检检测 项目经理", Role.TECH_INSTITUTION, "厦门鹭检检测技术有限公司", "13906050005"),
    ("owner", "鹭岛显示 质量总监", Role.CHAIN_OWNER, "厦门鹭岛显示科技有限公司", "13906050006"),
    ("member", "翔光玻璃 品质经理", Role.ENTERPRISE, "厦门翔光玻璃基板有限公司", "13906050007"),
    ("assoc", "光电显示产业协会 秘书长", Role.INDUSTRY_ORG, "厦门市光电显示产业协会", "13906050008"),
    ("research", "光电技术研究院 研究员", Role.RESEARCH, "厦门理工光电技术研究院", "13906050009"),
    ("expert", "陈立群", Role.EXPERT, "厦门鹭检检测技术有限公司", "13906011234"),
    ("commissioner", "张明辉", Role.COMMISSIONER, "厦门市质量基础设施协同服务中心", "13906031111"),
    ("consumer", "消费者 小林", Role.CONSUMER, None, "13906050010"),
]


def load():
    for username, full_name, role, org_name, mobile in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_password(DEMO_PASSWORD)
        user.full_name = full_name
        user.organization = Organization.objects.filter(name=org_name).first() if org_name else None
        user.mobile = mobile
        # The demo's published password must not expire under a running demo or a test run.
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.save()
        user.groups.set(Group.objects.filter(name=role.value))
        user.refresh_roles()
        enrol_demo_device(user)
    Expert.objects.filter(name="陈立群").update(user=User.objects.get(username="expert"))
    ServiceCommissioner.objects.filter(name="张明辉").update(user=User.objects.get(username="commissioner"))


def enrol_demo_device(user):
    """Give a persona that must use two-factor sign-in the published demo authenticator."""
    from .twofactor import is_required

    if not is_required(user):
        return
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    TOTPDevice.objects.update_or_create(user=user, name=DEMO_DEVICE_NAME, defaults={"key": key, "confirmed": True})

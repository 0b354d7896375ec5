"""The semiconductor demo story (consortium → projects → achievements): its accounts sign in
like the other personas, and its dates follow one another and lie in the past (PLT-13)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhilian.accounts import twofactor
from zhilian.accounts.demo import DEMO_DEVICE_NAME
from zhilian.accounts.models import User
from zhilian.achievements.models import Achievement, License
from zhilian.consortia.demo import CONSORTIUM_USERS
from zhilian.consortia.models import Consortium
from zhilian.core import registry
from zhilian.projects.models import ChangeRequest, Project, RiskWarning

pytestmark = pytest.mark.django_db
D = datetime.date
IC = "集成电路产业链质量创新联合体"


def _day(moment):
    return timezone.localtime(moment).date()


@pytest.mark.req("PLT-13")
def test_every_demo_account_that_needs_a_second_factor_has_the_demo_authenticator():
    usernames = [name for loader in registry.demo_loaders.values() for name in loader.usernames]
    assert {"icowner", "icmember", "icresearch", "icmetrology", "haicang"} <= set(usernames)
    for user in User.objects.filter(username__in=usernames):
        if twofactor.is_required(user):
            assert TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, confirmed=True).exists(), user
    out = io.StringIO()
    call_command("totp", "haicang", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip().isdigit()


@pytest.mark.req("PLT-13")
def test_the_demo_banner_lists_the_consortium_accounts():
    out = io.StringIO()
    call_command("demo", "--no-serve", "--alongside-other-accounts", stdout=out)
    banner = out.getvalue().split("Demo logins", 1)[1]
    for username, *_rest in CONSORTIUM_USERS:
        assert f"  {username} " in banner
    assert "厦门市海沧区市场监督管理局  [2FA]" in banner


@pytest.mark.req("CON-01")
@pytest.mark.req("PLT-13")
def test_the_demo_story_dates_follow_one_another_and_lie_in_the_past():
    today = timezone.localdate()
    consortium = Consortium.objects.get(name=IC)
    assert consortium.approved_on == D(2025, 7, 1)
    reviews = list(consortium.reviews.order_by("decided_at"))
    assert [r.step for r in reviews] == ["lead", "district", "city"]
    assert _day(consortium.submitted_at) <= _day(reviews[0].decided_at)
    assert _day(reviews[-1].decided_at) == consortium.approved_on  # no opinion after the establishment
    assert all(m.joined_on == consortium.approved_on for m in consortium.members.all())

    silicon = Project.objects.get(name="12 英寸硅单晶棒电阻率均匀性提升攻关")
    assert consortium.approved_on < silicon.approved_on < silicon.accepted_on <= today
    change = ChangeRequest.objects.get(project=silicon)
    assert _day(change.created_at) == D(2026, 7, 9)
    running = Project.objects.get(name="12 英寸硅片表面金属杂质 VPD-ICP-MS 检测方法研究")
    team_risk = RiskWarning.objects.get(project=running, source="team")
    assert _day(team_risk.created_at) == D(2026, 9, 15)
    assert all(_day(r.created_at) <= today for r in RiskWarning.objects.filter(project=running))

    achievements = Achievement.objects.filter(project=silicon)
    assert achievements.count() == 4
    for achievement in achievements:
        assert silicon.accepted_on <= achievement.listed_on <= today
        assert _day(achievement.declared_at) <= achievement.listed_on
    signed = License.objects.get(status="signed")
    assert signed.achievement.listed_on <= _day(signed.decided_at) <= signed.signed_on <= today
    for licence in License.objects.all():
        assert _day(licence.created_at) >= licence.achievement.listed_on

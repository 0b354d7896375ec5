"""The API's not-found answer is one translated message for every resource (PLT-09, PLT-10)."""

import pytest
from django.utils import translation

from zhilian.achievements.choices import ShareLevel
from zhilian.achievements.models import Achievement, License
from zhilian.problems.models import Problem

pytestmark = pytest.mark.django_db


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-10")
def test_not_found_answers_in_the_users_language_and_alike_for_every_resource(api_as):
    """Was DRF's pass-through of Django's "No Achievement matches the given query."."""
    client = api_as("member")
    hidden = Achievement.objects.get(share_level=ShareLevel.CONSORTIUM)  # exists, not shared with 翔光玻璃
    missing = {
        "achievement": f"/api/v1/achievements/{Achievement.objects.order_by('-pk').first().pk + 1000}/",
        "hidden achievement": f"/api/v1/achievements/{hidden.pk}/",
        "licence": f"/api/v1/licenses/{License.objects.order_by('-pk').first().pk + 1000}/",
        "licence action": f"/api/v1/licenses/{License.objects.order_by('-pk').first().pk + 1000}/withdraw/",
        "problem": f"/api/v1/problems/{Problem.objects.order_by('-pk').first().pk + 1000}/",
    }
    for what, url in missing.items():
        response = client.get(url)
        assert response.status_code == 404, what
        assert response.json() == {"detail": "未找到。"}, (what, response.json())
    with translation.override("en"):
        response = client.get(missing["achievement"], HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"detail": "Not found."}

"""The need's timeline names a record's rows as the history page does (DIR-05, PLT-02).

Nothing a need's record names is confidential to one who sees the need today (its
commissioner is public, assignments the reader may not see are left out), but the timeline
reads the records with the history page's audit.Reader, so a row the reader may not see would
not be named there either: here a service commissioner made confidential for the test.
"""

import html
import re

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from zhilian.core import audit
from zhilian.core.i18n import gettext
from zhilian.core.models import AuditAction
from zhilian.core.permissions import EVERYTHING
from zhilian.directory.models import ServiceCommissioner
from zhilian.needs import selectors, services
from zhilian.needs.tests.helpers import file_need

pytestmark = pytest.mark.django_db

HIDDEN = "您无权查看的服务专员"


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-02")
def test_the_timeline_does_not_name_a_row_the_reader_may_not_see(persona, client_as, monkeypatch):
    owner, commissioner, city = persona("owner"), persona("commissioner"), persona("city")
    need = file_need(owner, product="液晶显示面板", title="面板色域复测")
    services.need_take(user=commissioner, need=need)
    need.refresh_from_db()
    taking = need.commissioner
    former = ServiceCommissioner.objects.exclude(pk=taking.pk).first()
    # A record that names a former commissioner, as a hand-over would (and its message).
    audit.write(action=AuditAction.UPDATE, instance=need, user=city,
                changes={"commissioner": {"before": former.name, "before_id": former.pk,
                                          "after": taking.name, "after_id": taking.pk}},
                message=gettext("Taken by service commissioner %(name)s.") % {"name": former.name})
    # The former commissioner becomes confidential to all but the city bureau.
    scope = ServiceCommissioner.QS.scope
    monkeypatch.setattr(ServiceCommissioner.QS, "scope", lambda self, user, action: (
        EVERYTHING if user.pk == city.pk else scope(self, user, action) & ~Q(pk=former.pk)))

    def said(user) -> str:
        with translation.override("zh-hans"):
            return " ".join(f"{entry.text} {entry.changes}" for entry in selectors.need_timeline(need, user))

    text = said(owner)
    assert former.name not in text and HIDDEN in text and taking.name in text
    assert former.name in said(city) and HIDDEN not in said(city)
    # The history page reads the same records alike.
    response = client_as("owner").get(reverse("core:history", args=["needs.need", need.pk]))
    page = html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))
    assert former.name not in page and HIDDEN in page

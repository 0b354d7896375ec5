"""The delete confirmation says what goes with the record, or that it cannot go (PLT-03)."""

import pytest
from django.urls import reverse

from zhilian.chains.models import ChainNode, Placement

pytestmark = pytest.mark.django_db


def _page(client, node):
    return client.get(reverse("chains:chainnode_delete", args=[node.pk])).content.decode()


@pytest.mark.req("MAP-02")
def test_the_delete_page_counts_what_goes_with_the_record_or_says_it_cannot_go(client_as):
    client = client_as("mgmt")
    with_problems = ChainNode.objects.filter(problems__isnull=False).first()
    page = _page(client, with_problems)
    assert 'id="delete-protected"' in page and 'id="confirm-delete"' not in page
    node = (ChainNode.objects.filter(placements__isnull=False, problems__isnull=True)
            .exclude(children__problems__isnull=False).first())
    if node is None:
        pytest.skip("demo has no link with enterprises and no problems")
    placements = Placement.objects.filter(node__in=[node, *node.children.all()]).count()
    page = _page(client, node)
    assert 'id="delete-cascade"' in page and 'id="confirm-delete"' in page
    assert f"{Placement._meta.verbose_name_plural}: {placements}" in page
    assert ChainNode.objects.filter(pk=node.pk).exists()  # the page deletes nothing

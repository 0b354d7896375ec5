"""id_url: the string reverse() gives, without a resolver pass per link."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from zhilian.core.links import id_url

VIEWS = ["directory:organization_detail", "directory:capability_detail", "problems:problem_detail",
         "chains:node_detail", "achievements:achievement_detail", "accounts:user_edit"]


@pytest.mark.parametrize("viewname", VIEWS)
def test_id_url_is_what_reverse_gives(viewname):
    for pk in (1, 7, 42, 918273645, 2**63 - 1):
        assert id_url(viewname, pk) == reverse(viewname, args=[pk])


def test_id_url_follows_the_script_prefix_and_refuses_what_reverse_refuses():
    try:
        set_script_prefix("/zhilian/")
        assert id_url("directory:organization_detail", 5) == "/zhilian/directory/organizations/5/"
    finally:
        set_script_prefix("/")
    assert id_url("directory:organization_detail", 5) == "/directory/organizations/5/"
    with pytest.raises(NoReverseMatch):
        id_url("directory:organization_detail", None)
    with pytest.raises(NoReverseMatch):
        id_url("directory:no_such_view", 5)

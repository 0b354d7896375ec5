"""A restricted user's narrowed problem list is counted and paged from one index
(problem_scoped_filter_idx): an expert's scope is an OR of subqueries no index can serve, so
without it PostgreSQL read every row of a filter from the table to test it (40–120 ms for a
count of one status among 100,000 problems; 6–13 ms from the index, docs/benchmarks.md)."""

import pytest

from zhilian.problems.filtersets import ProblemFilterSet
from zhilian.problems.models import Problem


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-02")
@pytest.mark.parametrize("username", ["expert", "assoc", "district", "member"])
def test_the_index_carries_every_column_a_scoped_filtered_list_reads(persona, index_columns, rf, username):
    from conftest import columns_filtered_on

    user = persona(username)
    request = rf.get("/")
    request.user = user
    values = {"status": "identified", "category": "technology", "level": "1"}
    filterset = ProblemFilterSet(values, queryset=Problem.objects.restrict(user, "view"), request=request)
    assert filterset.is_valid(), filterset.errors
    read = columns_filtered_on(filterset.qs)
    assert {"status", "category", "severity_level", "id"} <= read
    # The page's ids come out in the library's order from the same index.
    ordering = {Problem._meta.get_field(name.lstrip("-")).column for name in Problem._meta.ordering}
    assert read | ordering <= index_columns("problem_scoped_filter_idx"), \
        read | ordering - index_columns("problem_scoped_filter_idx")

"""Reads of the chain quality map: the map as data, impact reach, version comparison (MAP, PRB-05).

The map is built with a constant number of queries whatever the chain's size (a chain of
2,000 nodes and 20,000 placements is the design load): nodes, supply links, placements
with their enterprises, matching institutions and each registered layer (the problem
library registers the starred problems) are read once each and assembled in Python.
"""

from collections import defaultdict, deque
from collections.abc import Callable
from functools import lru_cache

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhilian.core import resultcache
from zhilian.core.filters import as_id
from zhilian.core.permissions import EVERYTHING
from zhilian.directory.selectors import institutions_by_product

from .models import (
    SEGMENT_ORDER, Chain, ChainNode, ChainSnapshot, LadderPosition, Placement, PlacementRole, Segment,
    working_copy_scope,
)

# name -> (provider(chain) -> list[dict], visible(chain, user) -> set[int], labels() -> (item -> dict) | None)
_layers: dict[str, tuple[Callable, Callable, Callable | None]] = {}


def placed_enterprises(user):
    """The ids of the enterprises placed on a chain map ``user`` sees (MAP-02), as a subquery:
    the dashboard's 上图企业 and the directory's ``?placed=`` filter count the same units."""
    return Placement.objects.restrict(user, "view").values("enterprise")


def register_map_layer(name: str, provider: Callable, visible: Callable, labels: Callable | None = None) -> None:
    """Let another app draw on the map (the problem library draws its starred problems).

    ``provider(chain)`` returns summaries, each with ``id`` and ``node``; ``visible(chain,
    user)`` returns the ids whose details the user may open (PLT-02: a published map shows
    summaries to all, details only to those ``restrict`` allows). ``labels()``, when the
    summaries carry interface labels (a category's name), returns a function of one summary
    giving those labels in the current language, made from the summary's codes: a publication
    keeps its summaries as they were published, and each reader reads their labels in their
    own language, not the publisher's (PLT-10).
    """
    _layers[name] = (provider, visible, labels)


def split_keywords(text: str) -> list[str]:
    for sep in ("，", "、", ";", "；", "\n"):
        text = (text or "").replace(sep, ",")
    return [k.strip() for k in text.split(",") if k.strip()]


def node_institutions(nodes: list[dict]) -> tuple[dict[int, list[int]], list[dict]]:
    """Return node id -> institution ids whose testing capabilities match the node's keywords.

    The chain's keywords are matched once (chain guide 5.3.5, MAP-03) against the distinct
    (product, institution) pairs of the directory; what they match, and each node's share of
    it, is kept (``core.resultcache``) until the directory's capabilities or institutions
    change, so editing a chain's problems or placements does not match its keywords again.
    Kept values are shared by every request of the process: callers read them, never change them.
    """
    keywords_by_node = tuple((n["id"], tuple(split_keywords(n.get("keywords", "")))) for n in nodes)
    return resultcache.cached("chain-node-institutions", keywords_by_node,
                              lambda: _node_institutions(keywords_by_node))


def _node_institutions(keywords_by_node) -> tuple[dict[int, list[int]], list[dict]]:
    all_keywords = tuple(sorted({k for _node, ks in keywords_by_node for k in ks}))
    if not all_keywords:
        return {}, []
    by_keyword, institutions = resultcache.cached("chain-keyword-institutions", all_keywords,
                                                  lambda: _institutions_by_keyword(all_keywords))
    result = {}
    for node_id, keywords in keywords_by_node:
        ids = set()
        for keyword in keywords:
            ids.update(by_keyword.get(keyword, ()))
        if ids:
            result[node_id] = sorted(ids)
    return result, institutions


def _institutions_by_keyword(keywords: tuple[str, ...]) -> tuple[dict[str, list[int]], list[dict]]:
    matches = institutions_by_product(keywords)
    by_keyword: dict[str, list[int]] = {}
    products: dict[int, set[str]] = defaultdict(set)
    for keyword, testers in matches.by_keyword.items():
        matched = set()
        for product, ids in testers.items():
            matched |= ids
            for institution_id in ids:
                products[institution_id].add(product)
        by_keyword[keyword] = sorted(matched)
    names = matches.names
    institutions = [{"id": pk, "name": names[pk], "products": sorted(products[pk])[:12]}
                    for pk in sorted(names, key=lambda i: names[i])]
    return by_keyword, institutions


def _tree_order(rows: list[dict]) -> list[dict]:
    """Order nodes segment by segment, depth-first, siblings by (order, id); set ``depth``."""
    children = defaultdict(list)
    ids = {r["id"] for r in rows}
    for row in rows:
        parent = row["parent"] if row["parent"] in ids else None
        children[(row["segment"], parent)].append(row)
    ordered = []

    def visit(segment, parent, depth):
        for row in sorted(children.get((segment, parent), []), key=lambda r: (r["order"], r["id"])):
            row["depth"] = depth
            ordered.append(row)
            visit(segment, row["id"], depth + 1)

    for segment in sorted(SEGMENT_ORDER, key=SEGMENT_ORDER.get):
        visit(str(segment), None, 0)
    # Nodes whose parent sits in another segment (data entered before the rule) still show.
    seen = {r["id"] for r in ordered}
    for row in rows:
        if row["id"] not in seen:
            row["depth"] = 0
            ordered.append(row)
    return ordered


def labels() -> dict:
    """Display labels the map's front end and exports need, in the current language."""
    return {
        "segments": {str(k): str(v) for k, v in Segment.choices},
        "roles": {str(k): str(v) for k, v in PlacementRole.choices},
        "ladders": {str(k): str(v) for k, v in LadderPosition.choices},
        "provinces": {"in": _("In province"), "out": _("Out of province")},
    }


def segment_rows_shown(segments: list[dict]) -> list[dict]:
    """A map's segment rows with their names in the current language (a publication keeps the
    publisher's, PLT-10); a code no longer known keeps the name it was published with."""
    names = {str(code): str(label) for code, label in Segment.choices}
    return [{**row, "name": names.get(row.get("code"), row.get("name", ""))} for row in segments]


_PLACED = ("id", "node_id", "enterprise_id", "enterprise__name", "enterprise__province", "enterprise__district",
           "role", "ladder", "in_province", "key_products")


class _PlacedRows(tuple):
    """A chain's placements as rows, with the size the kept results' budget counts."""


def _placed_rows(chain_id: int) -> _PlacedRows:
    rows = _PlacedRows(Placement.objects.filter(chain_id=chain_id).order_by("node_id", "id").values_list(*_PLACED))
    rows._zl_size = 400 * len(rows) + 100
    return rows


def enterprises_by_node(chain_id: int) -> dict[int, list[dict]]:
    """Return node id -> the enterprises placed on it, as the map shows them: ``id`` is the
    enterprise's, ``placement`` the placement's.

    The rows are kept (``core.resultcache``) until placements or the directory change: an
    edited problem makes the working copy be built again, and reading a big chain's 20,000
    placements with their enterprises was the largest part of it. The dicts are made anew
    for each caller.
    """
    enterprises = defaultdict(list)
    for (pk, node_id, org_id, org_name, province, district, role, ladder, in_province,
         products) in resultcache.cached("chain-placements", (chain_id,), lambda: _placed_rows(chain_id)):
        enterprises[node_id].append({
            "id": org_id, "placement": pk, "name": org_name, "province": province, "district": district,
            "in_province": in_province, "role": role, "ladder": ladder, "key_products": products,
        })
    return enterprises


def chain_map_data(chain: Chain) -> dict:
    """Return the working copy of the chain quality map as plain data (MAP-01…05)."""
    node_rows = list(ChainNode.objects.filter(chain=chain).values(
        "id", "parent", "segment", "name", "key_products", "technology_route", "keywords", "description", "order"))
    supplies = defaultdict(list)
    for source, target in ChainNode.supplies.through.objects.filter(from_chainnode__chain=chain).values_list(
            "from_chainnode_id", "to_chainnode_id"):
        supplies[source].append(target)
    enterprises = enterprises_by_node(chain.pk)
    institutions_by_node, institutions = node_institutions(node_rows)
    layers = {name: provider(chain) for name, (provider, _visible, _labels) in _layers.items()}
    problems_by_node = defaultdict(list)
    for problem in layers.get("problems", []):
        if problem.get("node"):
            problems_by_node[problem["node"]].append(problem["id"])
    nodes = []
    for row in _tree_order(node_rows):
        nodes.append({
            "id": row["id"], "name": row["name"], "segment": row["segment"], "parent": row["parent"],
            "depth": row["depth"], "key_products": row["key_products"], "technology_route": row["technology_route"],
            "keywords": row["keywords"], "description": row["description"], "order": row["order"],
            "supplies": sorted(supplies.get(row["id"], [])),
            "institutions": institutions_by_node.get(row["id"], []),
            "enterprises": enterprises.get(row["id"], []),
            "problems": problems_by_node.get(row["id"], []),
        })
    segments = []
    for code, label in Segment.choices:
        in_segment = [n for n in nodes if n["segment"] == code]
        segments.append({
            "code": code, "name": str(label), "node_count": len(in_segment),
            "enterprise_count": sum(len(n["enterprises"]) for n in in_segment),
            "problem_count": sum(len(n["problems"]) for n in in_segment),
        })
    owner = chain.owner_enterprise
    return {
        "chain": {
            "id": chain.pk, "name": chain.name, "industry": chain.industry, "region": chain.region,
            "status": chain.status, "owner": {"id": owner.pk, "name": owner.name} if owner else None,
            "key_products": chain.key_products, "technology_routes": chain.technology_routes,
        },
        "version": None,
        # in TIME_ZONE (Beijing), as the API's other times: the static export prints its date
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "segments": segments,
        "nodes": nodes,
        "institutions": institutions,
        **layers,
    }


# The map's filters: the map page's (filtered in its script) and the same names and values as
# query parameters of the static exports (MAP-06), each name -> its accepted values. The
# problem categories are the problem library's (problems.models.ProblemCategory, which this app
# may not import); a level is a severity level, 0 for an unscored problem.
MAP_FILTERS: dict[str, tuple[str, ...]] = {
    "segment": tuple(Segment.values),
    "province": ("in", "out"),
    "ladder": tuple(LadderPosition.values),
    "category": ("technology", "management", "brand", "infrastructure", "other"),
    "level": ("1", "2", "3", "0"),
}


def filter_map(data: dict, filters: dict) -> dict:
    """The map ``data`` narrowed by ``filters`` ({name: value} of ``MAP_FILTERS``), as the map page
    narrows it, with ``filters`` kept under ``"filters"`` so an export can say what it shows.

    ``segment`` keeps that segment's links, and the problems on them (or, for a problem of no
    one link, of that segment); ``province`` and ``ladder`` keep the placed enterprises in that
    province group and ladder position (every link stays, as on the page); ``category`` and
    ``level`` keep the problems of that category and severity level (``"0"``: unscored). The
    counts per segment are those of what is left. ``data`` is not changed (a publication's map
    is shared, ``snapshot_data``).
    """
    filters = {name: str(value) for name, value in filters.items() if value not in (None, "")}
    if not filters:
        return data
    segment, province, ladder = filters.get("segment"), filters.get("province"), filters.get("ladder")
    category, level = filters.get("category"), filters.get("level")
    all_nodes = {n["id"]: n for n in data.get("nodes", [])}

    def problem_kept(problem):
        if category and problem.get("category") != category:
            return False
        if level and str(problem.get("level") or 0) != level:
            return False
        if segment:
            node = all_nodes.get(problem.get("node"))
            return (node["segment"] if node else problem.get("segment")) == segment
        return True

    def enterprise_kept(enterprise):
        if province and bool(enterprise.get("in_province")) != (province == "in"):
            return False
        return not ladder or enterprise.get("ladder") == ladder

    problems = [p for p in data.get("problems", []) if problem_kept(p)]
    kept_problems = {p["id"] for p in problems}
    nodes = [{**n, "enterprises": [e for e in n.get("enterprises", []) if enterprise_kept(e)],
              "problems": [pid for pid in n.get("problems", []) if pid in kept_problems]}
             for n in data.get("nodes", []) if not segment or n["segment"] == segment]
    segments = []
    for row in data.get("segments", []):
        in_segment = [n for n in nodes if n["segment"] == row["code"]]
        segments.append({**row, "node_count": len(in_segment),
                         "enterprise_count": sum(len(n["enterprises"]) for n in in_segment),
                         "problem_count": sum(len(n["problems"]) for n in in_segment)})
    return {**data, "nodes": nodes, "problems": problems, "segments": segments, "filters": filters}


def chain_version(user, chain: Chain, version) -> ChainSnapshot | None:
    """The publication of ``chain`` numbered ``version`` (a query parameter, unchecked) that
    ``user`` may see, or None: the map page, the map API and the compare page ask the same."""
    number = as_id(version)
    return ChainSnapshot.objects.restrict(user).filter(chain=chain, number=number).first() if number else None


def chain_latest_snapshot(chain: Chain) -> ChainSnapshot | None:
    return ChainSnapshot.objects.filter(chain=chain).order_by("-number").first()


def chain_unpublished_changes(chain: Chain, latest: ChainSnapshot | None = None) -> bool:
    """Return whether the working copy differs from the latest publication (links, placements).

    A row added or edited since has no or an older ``published_version``; a row removed
    since leaves fewer published rows than the publication counted (MAP-07).
    """
    latest = latest or chain_latest_snapshot(chain)
    if latest is None:
        return False
    for model, count in ((ChainNode, latest.node_count), (Placement, latest.placement_count)):
        rows = model.objects.filter(chain=chain)
        if rows.filter(Q(published_version__isnull=True) | ~Q(published_version=F("version"))).exists():
            return True
        if rows.count() != count:
            return True
    return False


def published_map(chain: Chain) -> dict | None:
    """The chain's latest publication as map data, or None before the first one."""
    latest = chain_latest_snapshot(chain)
    return snapshot_data(latest) if latest is not None else None


class PublishedRows:
    """For one reader: the latest publication's links and placements of each chain whose
    working copy the reader does not see (``None`` for a chain they build or review).

    The chain API serves those readers the published values of the rows ``restrict`` lets
    through (the rows of the latest publication), never the working copy (MAP-07).
    """

    def __init__(self, user):
        self.user = user
        self._chains: dict[int, tuple[dict, dict] | None] = {}

    def for_chain(self, chain_id: int) -> tuple[dict, dict] | None:
        if chain_id not in self._chains:
            chain = Chain.objects.get(pk=chain_id)
            if chain.can_see_draft(self.user):
                self._chains[chain_id] = None
            else:
                data = published_map(chain) or {"nodes": []}
                nodes = {n["id"]: n for n in data["nodes"]}
                placements = {e["placement"]: {**e, "node": n["id"]} for n in data["nodes"]
                              for e in n.get("enterprises", []) if e.get("placement")}
                self._chains[chain_id] = (nodes, placements)
        return self._chains[chain_id]

    def node(self, chain_id: int, node_id: int) -> dict | None:
        index = self.for_chain(chain_id)
        return None if index is None else index[0].get(node_id, {})

    def placement(self, chain_id: int, placement_id: int) -> dict | None:
        index = self.for_chain(chain_id)
        return None if index is None else index[1].get(placement_id, {})


# The API's filters of links and placements, and the key of each in a publication's rows.
NODE_FILTERS = {"segment": "segment", "parent": "parent"}
PLACEMENT_FILTERS = {"node": "node", "enterprise": "id"}


def filter_as_seen(queryset, user, filters: dict, keys: dict):
    """Narrow links or placements by ``filters`` ({field: value}) as ``user`` sees them.

    Builders, reviewers and the city-wide roles filter the working copy; everyone else the
    values of the chain's latest publication, which is what they read (MAP-07, PLT-02): a
    link moved to another parent or segment since is found where it was published.
    ``keys`` names each field in the publication's rows (``NODE_FILTERS``, ``PLACEMENT_FILTERS``).
    """
    if not filters:
        return queryset
    working = working_copy_scope(user)
    if working == EVERYTHING:
        return queryset.filter(**filters)
    drafts = Chain.objects.filter(working).values("pk")
    published, ids = PublishedRows(user), []
    for chain_id in queryset.exclude(chain__in=drafts).order_by().values_list("chain", flat=True).distinct():
        index = published.for_chain(chain_id)
        rows = {} if index is None else index[1 if keys is PLACEMENT_FILTERS else 0]
        ids += [pk for pk, row in rows.items()
                if all(str(row.get(keys[field]) or "") == str(value) for field, value in filters.items())]
    return queryset.filter(Q(chain__in=drafts, **filters) | Q(pk__in=ids))


def published_node(data: dict, node_id: int) -> dict | None:
    """One link of a publication, with its parent, children and suppliers as (id, name) rows."""
    nodes = {n["id"]: n for n in data.get("nodes", [])}
    node = nodes.get(node_id)
    if node is None:
        return None
    brief = lambda n: {"id": n["id"], "name": n["name"]}  # noqa: E731
    institutions = {i["id"]: i for i in data.get("institutions", [])}
    return {
        **node,
        "parent_node": brief(nodes[node["parent"]]) if node.get("parent") in nodes else None,
        "children": [brief(n) for n in data["nodes"] if n.get("parent") == node_id],
        "supplies_nodes": [brief(nodes[i]) for i in node.get("supplies", []) if i in nodes],
        "supplied_by_nodes": [brief(n) for n in data["nodes"] if node_id in n.get("supplies", [])],
        "institution_rows": [institutions[i] for i in node.get("institutions", []) if i in institutions],
    }


@lru_cache(maxsize=4)
def _snapshot_payload(pk: int, created_at: str) -> dict:
    return ChainSnapshot.objects.values_list("data", flat=True).get(pk=pk)


def snapshot_data(snapshot: ChainSnapshot) -> dict:
    """The published map of ``snapshot``, read from the database once per process.

    A publication never changes after it is made, and reading a big chain's snapshot (12 MB
    of JSON for 2,000 links and 20,000 placements) is most of the map request's time. The key
    includes the creation time, so a row id reused after a rollback never returns stale data.
    Callers copy what they change and never mutate the returned structure.
    """
    return _snapshot_payload(snapshot.pk, snapshot.created_at.isoformat())


def chain_map_for(user, chain: Chain, snapshot: ChainSnapshot | None = None) -> dict:
    """Return the map this user may see: a given version, the working copy, or the last publication.

    Builders, reviewers and the city-wide roles see the working copy; everyone else sees
    the last published version (MAP-07). Problem details are flagged per user. The interface
    labels (segment names, each layer's labels) are made again from their codes in the
    reader's language: a publication keeps them in its publisher's (PLT-10); what people
    entered (links, enterprises, problems) reads as written.
    """
    if snapshot is None and not chain.can_see_draft(user):
        snapshot = chain_latest_snapshot(chain)
    if snapshot is not None:
        data = dict(snapshot_data(snapshot))
        data["version"] = snapshot.number
        data["published_at"] = timezone.localtime(snapshot.created_at).isoformat(timespec="seconds")
    else:
        data = chain_map_data(chain)
        data["published_at"] = None  # the same keys as a publication's (the API's ChainMap)
    data["labels"] = labels()
    data["segments"] = segment_rows_shown(data.get("segments", []))
    for name, (_provider, visible, layer_labels) in _layers.items():
        allowed = visible(chain, user)
        # The working copy's layers were just made in the reader's language: only a
        # publication's are labelled again (10,000 problems on a big chain).
        shown = layer_labels() if layer_labels is not None and snapshot is not None else None
        data[name] = [{**item, **shown(item), "detail": item["id"] in allowed} if shown is not None
                      else {**item, "detail": item["id"] in allowed} for item in data.get(name, [])]
    return data


def map_reach(data: dict, node_id: int) -> dict:
    """Return the nodes and placed enterprises a problem on ``node_id`` can reach (PRB-05).

    A problem travels along "supplies to" links to every downstream link, and a reached
    link includes its sub-links (a problem reaching 面板 reaches TFT-LCD 面板 too).
    """
    nodes = {n["id"]: n for n in data["nodes"]}
    children = defaultdict(list)
    for n in data["nodes"]:
        if n["parent"]:
            children[n["parent"]].append(n["id"])
    reached, queue = set(), deque([node_id])
    while queue:
        current = queue.popleft()
        for target in nodes.get(current, {}).get("supplies", []):
            stack = [target]
            while stack:
                nid = stack.pop()
                if nid in reached or nid == node_id or nid not in nodes:
                    continue
                reached.add(nid)
                queue.append(nid)
                stack.extend(children.get(nid, []))
    ordered = [n for n in data["nodes"] if n["id"] in reached]
    enterprises = []
    seen = set()
    for n in ordered:
        for e in n["enterprises"]:
            if e["id"] not in seen:
                seen.add(e["id"])
                enterprises.append({**e, "node": n["id"], "node_name": n["name"], "segment": n["segment"]})
    return {"nodes": [{"id": n["id"], "name": n["name"], "segment": n["segment"]} for n in ordered],
            "enterprises": enterprises}


def node_reach(node: ChainNode, user=None) -> dict:
    """The impact reach of ``node`` over the map ``user`` sees (constant queries).

    Builders and reviewers (and callers without a user: jobs, tests) follow the working
    copy; everyone else the chain's latest publication (MAP-07), so a link added since
    never shows in anyone else's reach.
    """
    if user is not None and not node.chain.can_see_draft(user):
        data = published_map(node.chain)
        return map_reach(data, node.pk) if data is not None else {"nodes": [], "enterprises": []}
    # In the map's order (upstream → downstream, depth-first), as a publication holds its nodes:
    # the model's ordering sorts segments by code, which put 下游 before 中游 in the list.
    rows = _tree_order(list(ChainNode.objects.filter(chain_id=node.chain_id).values(
        "id", "parent", "name", "segment", "order")))
    supplies = defaultdict(list)
    for source, target in ChainNode.supplies.through.objects.filter(from_chainnode__chain_id=node.chain_id).values_list(
            "from_chainnode_id", "to_chainnode_id"):
        supplies[source].append(target)
    # The enterprises as the map gives them: a reach has the same keys over a publication or not.
    enterprises = enterprises_by_node(node.chain_id)
    data = {"nodes": [{**r, "supplies": supplies.get(r["id"], []), "enterprises": enterprises.get(r["id"], [])}
                      for r in rows]}
    return map_reach(data, node.pk)


def _index(data: dict):
    nodes = {n["id"]: n for n in data.get("nodes", [])}
    placements = {}
    for n in data.get("nodes", []):
        for e in n.get("enterprises", []):
            placements[(n["id"], e["id"])] = {**e, "node_name": n["name"]}
    problems = {p["id"]: p for p in data.get("problems", [])}
    return nodes, placements, problems


NODE_FIELDS = ("name", "segment", "parent", "key_products", "technology_route", "supplies")
PLACEMENT_FIELDS = ("role", "ladder", "in_province", "key_products")
PROBLEM_FIELDS = ("name", "node", "category", "level", "status", "is_common")
# the models whose fields the map's items carry, for the names a comparison shows ("level" is severity_level)
DIFF_FIELD_MODELS = {"nodes": ("chains.ChainNode", {}), "placements": ("chains.Placement", {}),
                     "problems": ("problems.Problem", {"level": "severity_level"})}


def _field_label(section: str, field: str) -> str:
    """The field's name as its model's form shows it (质量问题分级, 状态), for a map comparison."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    model_label, renamed = DIFF_FIELD_MODELS[section]
    try:
        return str(apps.get_model(model_label)._meta.get_field(renamed.get(field, field)).verbose_name)
    except (LookupError, FieldDoesNotExist):
        return field


def map_diff(old: dict, new: dict) -> dict:
    """Compare two versions of the map: what was added, removed or changed (MAP-07)."""
    old_nodes, old_placements, old_problems = _index(old)
    new_nodes, new_placements, new_problems = _index(new)

    def compare(section, before, after, fields, describe):
        added = [describe(after[k]) for k in after if k not in before]
        removed = [describe(before[k]) for k in before if k not in after]
        changed = []
        for k in after:
            if k in before:
                diffs = [f for f in fields if before[k].get(f) != after[k].get(f)]
                if diffs:
                    changed.append({"item": describe(after[k]), "fields": diffs,
                                    "labels": [_field_label(section, f) for f in diffs],
                                    "before": {f: before[k].get(f) for f in diffs},
                                    "after": {f: after[k].get(f) for f in diffs}})
        return {"added": added, "removed": removed, "changed": changed}

    result = {
        "nodes": compare("nodes", old_nodes, new_nodes, NODE_FIELDS, lambda n: n["name"]),
        "placements": compare("placements", old_placements, new_placements, PLACEMENT_FIELDS,
                              lambda e: f"{e['node_name']} · {e['name']}"),
        "problems": compare("problems", old_problems, new_problems, PROBLEM_FIELDS,
                            lambda p: f"{p.get('code', '')} {p['name']}".strip()),
    }
    result["total"] = sum(len(v) for part in result.values() if isinstance(part, dict) for v in part.values())
    return result


def chains_due_for_update(today) -> list[Chain]:
    """Published chains whose update cycle is due within 30 days or whose update was triggered."""
    horizon = today + timezone.timedelta(days=30)
    return list(Chain.objects.filter(next_update_due__isnull=False, next_update_due__lte=horizon)
                .select_related("created_by"))

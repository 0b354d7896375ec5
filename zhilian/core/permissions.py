"""Object-level confidentiality: one mechanism for pages, API, search, exports and downloads.

Every model holding user-visible data uses a manager built on :class:`RestrictedQuerySet`.
``Model.objects.restrict(user, action)`` returns only the rows ``user`` may ``action``,
filtered in SQL, so a list, a count, a search hit, an export row and a file download can
never show more than the detail page would.

Two layers decide:

1. the role layer: the user's roles (Django groups) must carry the model permission
   ``<app>.<action>_<model>`` (``view``, ``add``, ``change``, ``delete`` or a custom action
   declared in ``Meta.permissions``);
2. the object layer: the queryset's :meth:`RestrictedQuerySet.scope` returns a ``Q`` naming
   the rows this user may act on, ORed with any *grants* other apps registered (an app may
   widen visibility of another app's model through a relation it owns, without that app
   importing it: e.g. chains make enterprises on a published map visible).

Scopes and grants must not create duplicate rows: use ``pk__in=<subquery>`` for to-many
relations instead of joining through them.
"""

import contextvars
import copy
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import models
from django.db.models import ForeignObject, Q

NOTHING = Q(pk__in=[])
# Not Q(): in Django ``Q() | x`` is ``x``, so an empty Q would *narrow* when ORed with a
# grant or another condition. ``pk IS NOT NULL`` is always true and combines correctly.
EVERYTHING = Q(pk__isnull=False)

# model label -> callables (user, action) -> Q | None
_grants: dict[str, list[Callable]] = defaultdict(list)


def _keys(model, rows) -> frozenset | None:
    """``rows`` as the model's primary-key values; None when one is not a key at all (the
    lookup then fails as it would have, unnarrowed)."""
    field = model._meta.pk
    try:
        return frozenset(field.to_python(row) for row in rows)
    except (ValidationError, ValueError, TypeError):
        return None


@models.Field.register_lookup
class InArray(models.lookups.In):
    """``field IN (…)`` that PostgreSQL gets as ``field = ANY(%s)`` with one array value.

    A scope may list hundreds of ids (the achievements targeted at a consortium member's
    unit); as ``IN`` every query under it carries each id as a parameter of its own, so its SQL
    is long to compile and send, and too long to keep (``core.keptsql`` keeps statements of a
    few values). As one array the statement is the same whatever the ids; SQLite gets ``IN``."""

    lookup_name = "zl_in_array"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)  # a subquery stays IN (SELECT …)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _rhs, rhs_params = self.process_rhs(compiler, connection)  # None dropped; none left: EmptyResultSet
        return f"{lhs} = ANY(%s)", (*lhs_params, list(rhs_params))


class IdList:
    """Distinct integer ids, in order, with their SQL list ``(1, 2, 3)`` written once.

    Not a list or tuple: Django rebuilds those, value by value, in every query they are
    used in (``Query.resolve_lookup_value``, ``In.get_prep_lookup``)."""

    __slots__ = ("ids", "sql")

    def __init__(self, ids):
        self.ids = tuple(sorted(set(ids)))
        # Integers only (``type(v) is int``, checked where lists become IdLists), so the
        # text is digits, commas and signs.
        self.sql = "(" + ", ".join(str(int(key)) for key in self.ids) + ")"

    def __iter__(self):
        return iter(self.ids)

    def __len__(self):
        return len(self.ids)

    def __eq__(self, other):
        return isinstance(other, IdList) and other.ids == self.ids

    def __hash__(self):
        return hash(self.ids)

    def __repr__(self):
        return f"IdList({list(self.ids)!r})"


@models.Field.register_lookup
class InIds(models.lookups.In):
    """``field IN (1, 2, 3)`` for a kept scope's list of ids (an :class:`IdList`), its values
    written into the text.

    Django's ``IN`` prepares each value and adds it as a parameter, then the driver binds
    each into the text it sends (client-side binding, PostgreSQL's default here): a
    consortium member's scope lists some 300 achievements, and each query under it spent
    about 1 ms of Python compiling them and 0.5 ms binding them, for the same text every
    time. The database gets the same statement as from ``IN``. Any other value (a list
    narrowed by :func:`for_rows`) is ``IN`` as Django writes it."""

    lookup_name = "zl_in_ids"

    def get_prep_lookup(self):
        return self.rhs if isinstance(self.rhs, IdList) else super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if not isinstance(self.rhs, IdList):
            return super().as_sql(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} IN {self.rhs.sql}", lhs_params


# A foreign key looks its lookups up among its own class's (``ForeignObject.get_class_lookups``),
# not among every field's: a scope's list of related ids (``chain__in=[…]``) needs them there.
ForeignObject.register_lookup(InArray)
ForeignObject.register_lookup(InIds)

# Literal lists of ids this long in a scope are sent as one array (``InArray``) in scopes built
# for kept statements (``restrict(arrays=True)``) and the scopes they nest, and written into
# the SQL once (``InIds``) in any other kept scope.
_ARRAY_FROM = 4
_ARRAYS: contextvars.ContextVar[bool] = contextvars.ContextVar("zl_scope_arrays", default=False)


def _ids_as_arrays(condition):
    """``condition`` with each literal list of ids (``…__in=[…]``, at least ``_ARRAY_FROM``
    of them) looked up as one array instead (``InArray``); the same rows on every database."""
    return _id_lists_rewritten(condition, InArray.lookup_name, sorted)


def _ids_as_literals(condition):
    """``condition`` with each literal list of ids (at least ``_ARRAY_FROM`` of them) looked
    up by ``InIds``: the same SQL, written once for the kept scope instead of for every query."""
    return _id_lists_rewritten(condition, InIds.lookup_name, IdList)


def _id_lists_rewritten(condition, lookup_name: str, convert):
    if not isinstance(condition, Q):
        return condition
    children = []
    for child in condition.children:
        if isinstance(child, Q):
            child = _id_lists_rewritten(child, lookup_name, convert)
        elif isinstance(child, tuple):
            lookup, value = child
            if (lookup.endswith("__in") and isinstance(value, (list, tuple, set, frozenset))
                    and len(value) >= _ARRAY_FROM
                    and all(type(v) is int for v in value)):
                child = (f"{lookup.removesuffix('__in')}__{lookup_name}", convert(value))
        children.append(child)
    if all(new is old for new, old in zip(children, condition.children)):
        return condition  # unchanged, itself (NOTHING stays NOTHING)
    clone = copy.copy(condition)
    clone.children = children
    return clone


def for_rows(condition: Q, model, keys: frozenset) -> Q:
    """``condition`` as it decides for the rows whose primary keys are ``keys``: every literal
    list of the model's own keys in it (``pk__in=[…]``, the kept id lists of scopes) is
    reduced to the keys among ``keys``.

    For any of those rows, being in a list and being in the list's part within ``keys`` are
    the same, negated or not, so the condition answers the same for them; only queries
    narrowed to those rows may use it. A consortium member's scope lists some hundred
    achievements targeted at it: every detail page compiled and sent them all.
    """
    names = {f"{name}__{lookup}" for name in ("pk", model._meta.pk.name)
             for lookup in ("in", InArray.lookup_name, InIds.lookup_name)}

    def reduced(child):
        if isinstance(child, Q):
            clone = copy.copy(child)
            clone.children = [reduced(grandchild) for grandchild in child.children]
            return clone
        if isinstance(child, tuple):  # (lookup, value); a child may also be an expression (Exists)
            lookup, value = child
            if lookup in names and isinstance(value, (list, tuple, set, frozenset, IdList)):  # not a subquery
                return lookup, [key for key in value if key in keys]
        return child

    return reduced(condition)


def register_grant(model_label: str, grant: Callable) -> None:
    """Let ``grant(user, action)`` widen what ``restrict`` returns for ``model_label``."""
    global _grant_version
    _grants[model_label].append(grant)
    _grant_version += 1


_grant_version = 0  # part of every kept scope: a new grant changes them


def permission_codename(action: str, model) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def may(user, action: str, model) -> bool:
    """Return whether ``user``'s roles allow ``action`` on ``model`` at all."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.has_perm(permission_codename(action, model))


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what a user may see or do."""

    def restrict(self, user, action: str = "view", *, rows: Iterable | None = None, arrays: bool | None = None):
        """Return the rows ``user`` may perform ``action`` on.

        ``rows``: primary keys of the only rows the caller looks up (a detail page, one
        record through the API); the answer is then narrowed to them, and the scope's lists
        of ids reduced to them (:func:`for_rows`) so that they are not compiled and sent again
        with every one-row query.

        ``arrays``: the scope's long lists of ids as one array each (:class:`InArray`), those
        of the scopes it nests too, for a statement written once and run with other values
        (``core.keptsql``, which asks for them; unset, as the scope being built around this
        one asked). Not for lists: PostgreSQL 15 costs a filter on ``= ANY`` of an array value
        higher than on the same ``IN`` list, and counted a consortium member's 10,000 visible
        achievements with two parallel workers (13 ms) instead of one index-only scan (5 ms).
        """
        arrays = _ARRAYS.get() if arrays is None else arrays
        condition = self._decided(user, action, arrays)
        if condition is None:
            return self.none()
        keys = None if rows is None else _keys(self.model, rows)
        queryset = self if keys is None else self.filter(pk__in=keys)
        if condition is EVERYTHING:
            return queryset
        return queryset.filter(condition if keys is None else for_rows(condition, self.model, keys))

    def _decided(self, user, action: str, arrays: bool = False) -> Q | None:
        """What ``restrict`` applies: None when the role layer refuses, EVERYTHING for every
        row (a superuser too), else the kept scope."""
        if not may(user, action, self.model):
            return None
        if user.is_superuser:
            return EVERYTHING
        return self._condition(user, action, arrays)

    def _condition(self, user, action: str, arrays: bool = False) -> Q:
        # A page asks for the same scope many times (list, panels, edit checks); it is built
        # once per user object until this process writes to the database (a write may
        # change what a scope reads eagerly, e.g. a membership).
        from django.db import connections

        epoch = connections[self.db].__dict__.get("_zl_write_count", 0)
        memo = user.__dict__.setdefault("_zl_scopes", {})
        key = (type(self), action, arrays, epoch, _grant_version, len(_grants.get(self.model._meta.label, ())))
        condition = memo.get(key)
        if condition is None:
            condition = memo[key] = self._kept_condition(user, action, arrays)
        return condition

    def _kept_condition(self, user, action: str, arrays: bool = False) -> Q:
        """The scope, built once per process for the same account state and kept
        (``core.resultcache``, in this process only) until a table read to build it changes.

        The key holds what scopes read from the account object itself (its id, roles,
        organization and district, flags) and the day; what they read from the database
        while being built (a commissioner's districts …) is followed like any kept result,
        and the account's own tables are a dependency too."""
        from . import resultcache

        if not _scopes_kept(user):
            return self._build_condition(user, action, arrays)
        from django.utils import timezone

        label = self.model._meta.label
        key = (type(self).__module__, type(self).__qualname__, label, action, arrays, _grant_version,
               len(_grants.get(label, ())), user.pk, user.is_superuser, user.is_active, user.organization_id,
               getattr(user, "district", ""), tuple(sorted(getattr(user, "role_codes", ()))),
               timezone.localdate().isoformat())
        return resultcache.cached("scope", key, lambda: _with_token(self._build_condition(user, action, arrays)),
                                  using=self.db, depends_on=resultcache.ACCOUNT_TABLES, shared=False)

    def _build_condition(self, user, action: str, arrays: bool = False) -> Q:
        # The scopes this one nests (``restrict`` in a subquery) are built with arrays or lists alike.
        token = _ARRAYS.set(arrays)
        try:
            condition = self.scope(user, action)
            if condition == EVERYTHING:
                return EVERYTHING
            for grant in _grants.get(self.model._meta.label, ()):
                extra = grant(user, action)
                if extra is None:
                    continue
                if extra == EVERYTHING:
                    return EVERYTHING
                condition = condition | extra
        finally:
            _ARRAYS.reset(token)
        return _ids_as_arrays(condition) if arrays else _ids_as_literals(condition)

    def scope(self, user, action: str) -> Q:
        """Return the Q of rows this user may act on; override per model. Default: none."""
        return NOTHING

    def visible_to(self, user):
        return self.restrict(user, "view")


def _scopes_kept(user) -> bool:
    """Whether ``user``'s scopes are kept (``_kept_condition``): a saved account, kept results on."""
    from . import resultcache

    return bool(getattr(user, "pk", None)) and resultcache.enabled()


_tokens = itertools.count(1)


def _with_token(condition: Q) -> Q:
    """A kept scope, marked with a number no other scope built in this process has: what kept
    statements (``core.keptsql``) written under it are keyed by."""
    if condition is not EVERYTHING and condition is not NOTHING:
        condition._zl_token = next(_tokens)
    return condition


def scope_token(model, user, action: str):
    """What identifies the scope ``model.objects.restrict(user, action, arrays=True)`` (the one
    kept statements are written with) applies while it is kept, or None when it is not kept
    (built anew for each query) or the role layer refuses."""
    # Scopes not kept (``_kept_condition``) carry no token, and then only EVERYTHING is read:
    # from the variant with lists, which the query run instead of the statement uses too.
    condition = model.objects.all()._decided(user, action, _scopes_kept(user))
    if condition is None:
        return None
    if condition is EVERYTHING:
        return ("everything",)
    token = condition.__dict__.get("_zl_token")
    return None if token is None else ("kept", token)


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    pass


def allowed(user, action: str, obj) -> bool:
    """Whether ``user`` may ``action`` the row ``obj`` (``restrict`` decides, as everywhere).

    A scope covering every row needs no query; otherwise the answer is kept on the user
    object until this process writes (a page asks the same question several times)."""
    if obj.pk is None:
        return False
    answer, queryset = _row_question(user, action, type(obj))
    if answer is not None:
        return answer
    memo = _allowed_memo(user, queryset)
    key = (type(obj)._meta.label, obj.pk, action)
    if key not in memo:
        memo[key] = queryset.restrict(user, action, rows=[obj.pk]).exists()
    return memo[key]


def prime_allowed(user, action: str, objects) -> None:
    """Answer :func:`allowed` for many rows at once, one query per model: a page that links
    hundreds of units (a consortium's members, a chain's summary) asked once per link."""
    by_model: dict = defaultdict(set)
    for obj in objects:
        if obj is not None and obj.pk is not None:
            by_model[type(obj)].add(obj.pk)
    for model, pks in by_model.items():
        if not hasattr(model.objects, "restrict"):
            continue
        answer, queryset = _row_question(user, action, model)
        if answer is not None:
            continue
        seen = set(queryset.restrict(user, action, rows=pks).values_list("pk", flat=True))
        memo = _allowed_memo(user, queryset)
        for pk in pks:
            memo[(model._meta.label, pk, action)] = pk in seen


def _row_question(user, action: str, model):
    """``(answer, None)`` when the roles or a scope covering every row decide for any row of
    ``model``; otherwise ``(None, the model's rows)`` to ask ``restrict(user, action, rows=…)``."""
    if not may(user, action, model):
        return False, None
    if user.is_superuser:
        return True, None
    queryset = model.objects.all()
    if queryset._condition(user, action) is EVERYTHING:
        return True, None
    return None, queryset


def _allowed_memo(user, queryset) -> dict:
    """``allowed``'s answers, kept on the user object until this process writes to the database."""
    from django.db import connections

    epoch = connections[queryset.db].__dict__.get("_zl_write_count", 0)
    kept = user.__dict__.get("_zl_allowed")
    if kept is None or kept[0] != epoch:
        kept = user.__dict__["_zl_allowed"] = (epoch, {})
    return kept[1]


def sees_every(user, model, action: str = "view") -> bool:
    """Whether ``user`` may ``action`` every row of ``model``, whichever rows exist or existed."""
    if not may(user, action, model):
        return False
    if user.is_superuser:
        return True
    return model.objects.all()._condition(user, action) == EVERYTHING


def visible_objects(user, objects) -> tuple[list, int]:
    """Split ``objects`` (of any models) into those ``user`` may see and how many are hidden.

    For a message that names other records, e.g. the ones that keep a record from being
    deleted: a row of a model with no ``restrict`` (a link table) counts as hidden.
    """
    by_model: dict = defaultdict(list)
    for obj in objects:
        by_model[type(obj)].append(obj)
    visible, hidden = [], 0
    for model, rows in by_model.items():
        manager = getattr(model, "objects", None)
        if manager is None or not hasattr(manager, "restrict"):
            hidden += len(rows)
            continue
        seen = set(manager.restrict(user, "view").filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True))
        visible.extend(r for r in rows if r.pk in seen)
        hidden += sum(1 for r in rows if r.pk not in seen)
    return visible, hidden


def get_restricted_or_404(queryset, user, action="view", *, kept_as: str = "", **lookup):
    """Fetch one object the user may act on; a forbidden object answers like a missing one.

    The user cannot tell the two apart, but the audit log can: an object that exists and
    was refused is recorded as a permission denial (SEC-06). ``kept_as``: the name under which
    the statement of a lookup by key is kept (``core.keptsql``; it names ``queryset``'s shape).
    """
    from django.http import Http404

    from . import keptsql

    rows = [lookup["pk"]] if list(lookup) == ["pk"] else None
    try:
        found = None
        if kept_as and rows:
            found = keptsql.kept_rows(kept_as, queryset, user, action, _by_key, lookup["pk"])
        if found is None:
            return queryset.restrict(user, action, rows=rows).get(**lookup)
        if not found:
            raise queryset.model.DoesNotExist
        return found[0]
    except queryset.model.DoesNotExist:
        record_denial(queryset.model, user, action, lookup)
        raise Http404 from None
    except (ValueError, TypeError):
        raise Http404 from None


def _by_key(rows, pk):
    return rows.filter(pk=pk)


def record_denial(model, user, action: str, lookup: dict) -> None:
    """Audit a refused access to an existing row of ``model`` (nothing for a missing one)."""
    from . import audit
    from .models import AuditAction

    try:
        obj = model._base_manager.filter(**lookup).first()
    except (ValueError, TypeError):
        return
    if obj is None:
        return
    audit.write(action=AuditAction.PERMISSION_DENIED, instance=obj, user=user,
                message=f"{action} {model._meta.label}")

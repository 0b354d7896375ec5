from django.conf import settings
from django.urls import NoReverseMatch, reverse

from . import registry, resultcache


def _menu_for(user):
    # The menu depends only on the permissions, which follow from the roles: built once per
    # role set (labels stay lazy, so one entry serves both languages).
    key = (registry.menu_version, user.is_superuser, frozenset(user.get_all_permissions()))
    menu = _menus.get(key)
    if menu is None:
        menu = _menus[key] = _build_menu(user)
    return menu


_menus: dict = {}


def _build_menu(user):
    groups = []
    for group in sorted(registry.menus.values(), key=lambda g: g.order):
        items = []
        for item in group.items:
            if item.permission and not user.has_perm(item.permission):
                continue
            try:
                items.append({"label": item.label, "url": reverse(item.url_name), "icon": item.icon})
            except NoReverseMatch:
                continue
        if items:
            groups.append({"key": group.key, "label": group.label, "icon": group.icon, "items": items})
    return groups


def platform(request):
    # Once per request: a page rendering a table or a panel with its own RequestContext runs
    # the context processors again, and the menu and the bell count do not change in between.
    kept = getattr(request, "_zl_platform_context", None)
    if kept is not None:
        return kept
    user = getattr(request, "user", None)
    context = {"site_name": settings.ZHILIAN_SITE_NAME}
    if user is not None and user.is_authenticated:
        context["menu"] = _menu_for(user)
        context["unread_notifications"] = unread_count(user)
    request._zl_platform_context = context
    return context


def unread_count(user) -> int:
    """The number on the bell, kept until a notification changes (core.resultcache). The
    scope is the user's own messages, so the account and its roles are the key."""
    from .models import Notification

    key = (user.pk, user.is_superuser, tuple(sorted(user.role_codes)))
    return resultcache.cached("unread-notifications", key,
                              lambda: Notification.objects.restrict(user, "view").unread().count())

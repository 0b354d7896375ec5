from rest_framework import permissions

from zhilian.core.permissions import may


class RolePermission(permissions.BasePermission):
    """Require authentication and the role-level model permission for the request's action.

    Which rows are reachable is decided separately by ``restrict`` in the viewset's
    ``get_queryset``; an object outside it answers 404, exactly like a missing one.
    """

    ACTIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change",
               "PATCH": "change", "DELETE": "delete"}

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return True
        action = getattr(view, "required_action", None) or self.ACTIONS.get(request.method, "change")
        if isinstance(action, dict):
            action = action.get(getattr(view, "action", None), self.ACTIONS.get(request.method, "change"))
        return may(user, action, model)

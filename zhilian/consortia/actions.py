"""A page for one business action on one object (submit, review, approve…), shared by the
consortium, project and achievement modules.

GET shows the action's form (or sends the user back to the object with the reason when
the action is not open to them); POST calls the service. The object is fetched through
``restrict(user, "view")``, so an object the user may not see answers 404 like a missing
one, and the permission walk covers these pages through ``model`` / ``walk_action``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from zhilian.core.exceptions import StaleObjectError
from zhilian.core.permissions import get_restricted_or_404


def apply_service_errors(form, exc: ValidationError, shown_elsewhere=()) -> None:
    """Put a service's ValidationError on the form's fields (or on the form as a whole),
    except the keys in ``shown_elsewhere`` (e.g. a formset's rows)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if field in shown_elsewhere:
                continue
            messages_ = [m for e in errors for m in e.messages]
            if field in form.fields:
                form.add_error(field, messages_)
            else:
                form.add_error(None, messages_)
    else:
        form.add_error(None, exc.messages)


class EmptyForm(forms.Form):
    """A confirmation with no fields."""


class ObjectActionView(LoginRequiredMixin, View):
    model = None
    walk_action = "view"
    form_class = EmptyForm
    template_name = "consortia/action.html"
    title = ""
    intro = ""
    submit_label = None
    submit_tone = "primary"
    multipart = False

    def get_object(self, pk):
        return get_restricted_or_404(self.model.objects.all(), self.request.user, "view", pk=pk)

    def unavailable_reason(self, obj) -> str | None:
        """Return why the action is not open to this user now, or None when it is."""
        return None

    def get_form_kwargs(self, obj):
        return {}

    def get_initial(self, obj):
        return {}

    def perform(self, obj, form):
        """Call the service; return the URL to go to afterwards."""
        raise NotImplementedError

    def success_message(self, obj):
        return _("Done.")

    def get_context(self, obj, form):
        return {}

    def get_title(self, obj):
        return self.title

    def back_url(self, obj):
        return obj.get_absolute_url()

    def _render(self, request, obj, form):
        return render(request, self.template_name, {
            "object": obj, "opts": obj._meta, "form": form, "title": self.get_title(obj), "intro": self.intro,
            "submit_label": self.submit_label or _("Confirm"), "submit_tone": self.submit_tone,
            "cancel_url": self.back_url(obj), "multipart": self.multipart, **self.get_context(obj, form),
        })

    def _refuse(self, request, obj, reason):
        messages.warning(request, reason)
        return HttpResponseRedirect(self.back_url(obj))

    def get(self, request, pk):
        obj = self.get_object(pk)
        reason = self.unavailable_reason(obj)
        if reason:
            return self._refuse(request, obj, reason)
        form = self.form_class(initial=self.get_initial(obj), **self.get_form_kwargs(obj))
        return self._render(request, obj, form)

    def post(self, request, pk):
        obj = self.get_object(pk)
        reason = self.unavailable_reason(obj)
        if reason:
            return self._refuse(request, obj, reason)
        form = self.form_class(data=request.POST, files=request.FILES, **self.get_form_kwargs(obj))
        if form.is_valid():
            try:
                target = self.perform(obj, form)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except StaleObjectError as exc:
                form.add_error(None, str(exc.message))
            except PermissionDenied as exc:
                return self._refuse(request, obj, str(exc) or _("You may not do this."))
            else:
                messages.success(request, self.success_message(obj))
                return HttpResponseRedirect(target or self.back_url(obj))
        return self._render(request, obj, form)

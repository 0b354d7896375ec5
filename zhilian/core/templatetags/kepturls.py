"""``{% url %}`` that remembers what it reversed (loaded as a builtin: see settings.TEMPLATES).

Every page renders the same dozen or so ``{% url %}`` tags (menu, header, breadcrumbs), each a
walk through the URL resolver (30–70 µs). A URL depends only on the view name, its arguments,
the current namespace, the URL configuration and the script prefix, so the answer for those
is kept (a bounded LRU per process). Arguments other than plain strings and integers (model
instances, lazy strings) are reversed each time, exactly as Django's tag does.
"""

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

def _plain(value) -> bool:
    # Strings (a template's literals are SafeStrings) and integers, not bools: True and 1 are
    # equal keys but reverse to "True" and "1".
    return isinstance(value, str) or type(value) is int


def _key(value):
    return str(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=4096)
def _kept(view_name, args, kwargs, current_app, urlconf, prefix):
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app, urlconf=urlconf)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _kept.cache_clear()


class KeptURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            if isinstance(view_name, str) and all(map(_plain, args)) and all(map(_plain, kwargs.values())):
                url = _kept(str(view_name), tuple(map(_key, args)), tuple(sorted((k, _key(v)) for k, v in kwargs.items())),
                            current_app, get_urlconf(), get_script_prefix())
            else:
                url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)

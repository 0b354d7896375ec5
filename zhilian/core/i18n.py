"""Translated text that can be translated again later: the messages the audit trail keeps.

Services write ``from zhilian.core.i18n import gettext as _``: ``_("Taken by service
commissioner %(name)s.") % {"name": name}`` is the text in the language of the request,
as with Django's ``gettext``, and also remembers its message id and parameters. When such
a text is the message of a state change, ``audit.write`` stores those (:func:`stored`) and
the history, the audit log and the need timeline show it in the reader's language
(:func:`shown`, PLT-10). Anything else the services do with it (errors, notifications)
sees an ordinary string; notifications keep it the same way (``core.notifications``).

A parameter may itself be translatable: another such text, or a lazy translation (a
choice's ``label``, made with ``gettext_lazy`` / ``pgettext_lazy``) is kept as its message
id and rendered again in the reader's language with the text around it.
"""

import json

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

_PREFIX = '{"i18n": '


class RecordedText(str):
    """A translated string with the message ids and parameters it was made of (``parts``).

    ``parts`` is a tuple of ``[msgid, params]`` pairs (params None before ``%``) and plain
    strings, rendered one after the other. ``%`` fills a single message id's parameters;
    ``+`` with a string joins the parts. Any other string operation gives a plain string.
    """

    parts: tuple = ()

    def __mod__(self, params):
        if len(self.parts) == 1 and not isinstance(self.parts[0], str) and self.parts[0][1] is None:
            return _recorded([[self.parts[0][0], _stored_params(params)]])
        return str.__mod__(str(self), params)

    def __add__(self, other):
        if isinstance(other, str):
            return _recorded([*self.parts, *_parts_of(other)])
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, str):
            return _recorded([*_parts_of(other), *self.parts])
        return NotImplemented


def gettext(message: str) -> RecordedText:
    """``django.utils.translation.gettext`` that remembers ``message`` for a later translation."""
    return _recorded([[message, None]])


def recorded(text) -> str:
    """A lazy translation (a choice's ``label``) as a text that keeps its message id, so it can
    be joined with ``+`` into a kept message; any other text as it is."""
    if isinstance(text, Promise) and (parts := _lazy_parts(text)) is not None:
        return _recorded(parts)
    return text


def _recorded(parts) -> RecordedText:
    text = RecordedText("".join(_render(part) for part in parts))
    text.parts = tuple(parts)
    return text


def _parts_of(text: str) -> tuple:
    return text.parts if isinstance(text, RecordedText) and text.parts else (str(text),)


_CONTEXT = "\x04"  # gettext's separator of a message's context and id (pgettext)


def _lazy_parts(value) -> list | None:
    """The parts of a lazy ``gettext_lazy`` / ``pgettext_lazy`` text, None for any other lazy value."""
    try:
        func, args, kwargs = value.__reduce__()[1][:3]
    except (AttributeError, TypeError, ValueError, IndexError):
        return None
    if kwargs or not all(isinstance(a, str) for a in args):
        return None
    if func is translation.gettext and len(args) == 1:
        return [[args[0], None]]
    if func is translation.pgettext and len(args) == 2:
        return [[args[0] + _CONTEXT + args[1], None]]
    return None


def _stored_params(params):
    def value(v):
        if v is None or isinstance(v, (bool, int, float)):
            return v
        if isinstance(v, RecordedText) and any(not isinstance(part, str) for part in v.parts):
            return {"i18n": list(v.parts)}
        if isinstance(v, Promise) and (parts := _lazy_parts(v)) is not None:
            return {"i18n": parts}
        return str(v)

    if isinstance(params, dict):
        return {str(k): value(v) for k, v in params.items()}
    if isinstance(params, tuple):
        return [value(v) for v in params]
    return [value(params)]


def _translated(msgid: str) -> str:
    if _CONTEXT in msgid:
        context, message = msgid.split(_CONTEXT, 1)
        return translation.pgettext(context, message)
    return translation.gettext(msgid)


def _param_shown(value):
    """A kept parameter as text of the current language (a translatable one rendered again)."""
    if isinstance(value, dict) and isinstance(value.get("i18n"), list):
        return "".join(_render(part) for part in value["i18n"])
    return value


def _render(part) -> str:
    if isinstance(part, str):
        return part
    msgid, params = part
    if params is None:
        return _translated(msgid)
    if isinstance(params, dict):
        params = {k: _param_shown(v) for k, v in params.items()}
    else:
        params = tuple(_param_shown(v) for v in params)
    msgid_shown = msgid.split(_CONTEXT, 1)[-1]
    try:
        return _translated(msgid) % params
    except (KeyError, TypeError, ValueError):  # a catalogue entry that does not fit its parameters
        try:
            return msgid_shown % params
        except (KeyError, TypeError, ValueError):
            return msgid_shown


def stored(message) -> str:
    """The message as the audit trail keeps it: a translatable text as its parts (with its
    rendering in the site's default language, which the audit log search reads), any other
    text as it is."""
    parts = getattr(message, "parts", ())
    if not any(not isinstance(part, str) for part in parts):
        return str(message)
    with translation.override(settings.LANGUAGE_CODE):
        text = "".join(_render(part) for part in parts)
    return _PREFIX + json.dumps(list(parts), ensure_ascii=False) + ', "text": ' + json.dumps(text, ensure_ascii=False) + "}"


def kept_parts(message: str) -> list | None:
    """The message ids and parameters of a stored message (:func:`stored`), None for plain text."""
    if not message or not message.startswith(_PREFIX):
        return None
    try:
        parts = json.loads(message)["i18n"]
    except (ValueError, KeyError, TypeError):
        return None
    return parts if isinstance(parts, list) else None


def render(parts) -> str:
    """Kept parts (:func:`kept_parts`) as text of the current language."""
    return "".join(_render(part) for part in parts)


def shown(message: str) -> str:
    """A stored message in the current language (records kept as plain text: as written)."""
    if not message or not message.startswith(_PREFIX):
        return message
    try:
        parts = json.loads(message)["i18n"]
        return "".join(_render(part) for part in parts)
    except (ValueError, KeyError, TypeError):
        return message


def _joined(items, separator) -> str:
    items = [recorded(item) for item in items]
    if not items:
        return ""
    text = items[0]
    for item in items[1:]:
        text = text + separator + item
    return text


def listed(items) -> str:
    """``items`` joined with the reader's list separator (、 in Chinese, ", " in English), kept
    translatable: a stored reason reads in its reader's language."""
    return _joined(items, recorded(pgettext_lazy("list separator", ", ")))


def clauses(items) -> str:
    """Sentences or clauses joined with the reader's clause separator (； in Chinese, "; " in
    English), kept translatable as :func:`listed`."""
    return _joined(items, recorded(pgettext_lazy("clause separator", "; ")))


# ------------------------------------------------------------------ texts translated once
#
# A choice's label is a lazy translation: shown in a list's cell, it looked up the active
# language and its catalogue again in every row. Catalogues change only when the translation
# settings do (a test overriding them), and then every kept text is forgotten.

_generation = 0


def kept_texts(owner, language) -> dict:
    """The dict where texts translated for ``owner`` (a model field's choice labels) into
    ``language`` are kept, by whatever key the owner's caller uses."""
    kept = owner.__dict__.get("_zl_kept_texts")
    if kept is None or kept[0] != _generation:
        kept = owner.__dict__["_zl_kept_texts"] = (_generation, {})
    texts = kept[1].get(language)
    if texts is None:
        texts = kept[1][language] = {}
    return texts


@receiver(setting_changed)
def _forget_kept_texts(*, setting, **kwargs):
    global _generation
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"):
        _generation += 1

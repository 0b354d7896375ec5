"""Translated text that can be translated again later: the messages the audit trail keeps.

Services write ``from zhilian.core.i18n import gettext as _``: ``_("Taken by service
commissioner %(name)s.") % {"name": name}`` is the text in the language of the request,
as with Django's ``gettext``, and also remembers its message id and parameters. When such
a text is the message of a state change, ``audit.write`` stores those (:func:`stored`) and
the history, the audit log and the need timeline show it in the reader's language
(:func:`shown`, PLT-10). Anything else the services do with it (errors, notifications)
sees an ordinary string.
"""

import json

from django.conf import settings
from django.utils import translation

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


def _recorded(parts) -> RecordedText:
    text = RecordedText("".join(_render(part) for part in parts))
    text.parts = tuple(parts)
    return text


def _parts_of(text: str) -> tuple:
    return text.parts if isinstance(text, RecordedText) and text.parts else (str(text),)


def _stored_params(params):
    def value(v):
        return v if v is None or isinstance(v, (bool, int, float)) else str(v)

    if isinstance(params, dict):
        return {str(k): value(v) for k, v in params.items()}
    if isinstance(params, tuple):
        return [value(v) for v in params]
    return [value(params)]


def _render(part) -> str:
    if isinstance(part, str):
        return part
    msgid, params = part
    if params is None:
        return translation.gettext(msgid)
    params = tuple(params) if isinstance(params, list) else params
    try:
        return translation.gettext(msgid) % params
    except (KeyError, TypeError, ValueError):  # a catalogue entry that does not fit its parameters
        try:
            return msgid % params
        except (KeyError, TypeError, ValueError):
            return msgid


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


def shown(message: str) -> str:
    """A stored message in the current language (records kept as plain text: as written)."""
    if not message or not message.startswith(_PREFIX):
        return message
    try:
        parts = json.loads(message)["i18n"]
        return "".join(_render(part) for part in parts)
    except (ValueError, KeyError, TypeError):
        return message

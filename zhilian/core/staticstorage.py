"""Static files as served in production: whitenoise's compressed, hashed files."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Remembers each file's URL.

    The manifest is written by ``collectstatic`` before the workers start and does not change
    while one runs, and every page asks for the same dozen files (stylesheets, scripts, icons):
    ``{% static %}`` costs a manifest lookup and a URL join per file and page otherwise.
    """

    max_remembered = 4096  # names come from templates, not from requests; a bound all the same

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = super().url(name)
            if len(self._urls) < self.max_remembered:
                self._urls[name] = url
            return url

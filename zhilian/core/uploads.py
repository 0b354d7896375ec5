"""Stop an oversized upload while it streams in, not after it filled the disk (SEC-08)."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitUploadHandler(FileUploadHandler):
    """Skip any file larger than ``ZHILIAN_UPLOAD_MAX_BYTES``; the view explains why.

    It comes first in ``FILE_UPLOAD_HANDLERS`` and passes chunks on to Django's memory /
    temporary-file handlers until the limit is passed; then the file is dropped and
    ``request.upload_refused`` names it.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.ZHILIAN_UPLOAD_MAX_BYTES:
            refused = getattr(self.request, "upload_refused", [])
            refused.append(self.file_name)
            self.request.upload_refused = refused
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None

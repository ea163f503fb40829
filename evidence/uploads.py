"""Upload handling: stream every file to disk and stop reading one as soon as it is too big."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Like Django's temporary-file handler (chunks straight to disk, never the whole file in
    memory), but a file past EVIDENCE_MAX_UPLOAD_BYTES is dropped at once and its name noted
    on the request (`request.oversize_uploads`) so the view can say which file was refused."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.received += len(raw_data)
        if self.received > settings.EVIDENCE_MAX_UPLOAD_BYTES:
            if not hasattr(self.request, "oversize_uploads"):
                self.request.oversize_uploads = []
            self.request.oversize_uploads.append(self.file_name)
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)

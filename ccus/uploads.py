"""Uploads over IMPORT_MAX_UPLOAD_MB are cut off while they stream in, not after.

The handler runs first: it passes each chunk on to Django's own handlers until the file
passes the limit, then drops the rest and hands the form a `TooLargeUpload` that knows
the real size and holds no data. The forms' size checks then refuse it with their message,
and at most the limit ever reaches memory or the temporary directory.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class TooLargeUpload(UploadedFile):
    """An upload refused for its size: its name and size, and no content."""

    def __init__(self, name: str, content_type: str, size: int):
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size)


class UploadLimitHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        return raw_data if self.received <= self.limit else None

    def file_complete(self, file_size):
        if self.received <= self.limit:
            return None  # the next handler's file (in memory or on disk) is the upload
        return TooLargeUpload(self.file_name, self.content_type, self.received)

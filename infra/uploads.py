"""Uploads larger than any form accepts are not kept: the first handler counts the bytes and,
past the limit, passes nothing on, so a 200 MB file costs neither memory nor disk. The form
then sees a file of the true size and says, in the user's language, that it is too large."""

from __future__ import annotations

import io
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.utils.translation import gettext_lazy as _


def upload_limit() -> int:
    """Bytes: the largest file any upload form of the portal accepts (each form checks its own)."""
    largest = max(int(settings.ROLLOUT_MAX_UPLOAD_MB), int(settings.ROSTER_MAX_UPLOAD_MB), 10)
    return largest * 1024 * 1024


class OversizeUpload(UploadedFile):
    """Stands for a file that was too large: its size is what arrived, its content is empty."""

    def __init__(self, name: str, content_type: str, size: int):
        super().__init__(io.BytesIO(b""), name, content_type, size)


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS. A request longer than the limit (plus room for the form's
    other fields) cannot carry an acceptable file: its file is counted here and not handed to
    the memory or temporary-file handlers; smaller requests pass through untouched."""

    SLACK = 1024 * 1024

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.oversize_request = (content_length or 0) > upload_limit() + self.SLACK

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        if getattr(self, "oversize_request", False):
            raise StopFutureHandlers  # this handler alone receives (and drops) the file's bytes

    def receive_data_chunk(self, raw_data, start):
        if getattr(self, "oversize_request", False):
            self.received += len(raw_data)
            return None
        return raw_data

    def file_complete(self, file_size):
        if getattr(self, "oversize_request", False):
            return OversizeUpload(self.file_name, self.content_type, self.received)
        return None


# --- Documents users attach (evidence, library, budget, agreements, survey evidence) ----------
ALLOWED_EXTENSIONS = {
    ".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".ods", ".ppt", ".pptx", ".odp",
    ".txt", ".csv", ".png", ".jpg", ".jpeg", ".zip",
}  # fmt: skip


def max_upload_bytes() -> int:
    return int(getattr(settings, "ROLLOUT_MAX_UPLOAD_MB", 10)) * 1024 * 1024


def validate_upload_size(file) -> None:
    limit = max_upload_bytes()
    if file is not None and file.size > limit:
        raise ValidationError(_("The file is larger than %(mb)s MB."), params={"mb": limit // (1024 * 1024)})
    extension = os.path.splitext(getattr(file, "name", "") or "")[1].lower()
    if file is not None and extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(_("This kind of file is not accepted here."))

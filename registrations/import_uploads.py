"""Uploads between an admin import's preview and its confirmation, kept under MEDIA_ROOT.

django-import-export saves the upload at the preview and reads it again at the confirm
(its IMPORT_EXPORT_TMP_STORAGE_CLASS; the default leaves each preview's file in /tmp).
Here the file is MEDIA_ROOT/imports/pending/<user id>-<random>, so every web server of a
deployment sees it, and it never outlives its use:
- a preview that offers no confirmation (errors, unreadable file) removes it at once;
- the confirm claims it by renaming it (atomic: a replayed or doubled confirm finds
  nothing to claim and imports nothing twice), and removes it whatever the outcome;
- a preview nobody confirms is removed once older than IMPORT_PENDING_MAX_HOURS, by
  the next import screen or the hourly task (registrations.tasks.pending_uploads_sweep_task).
"""

import datetime
import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from import_export.tmp_storages import BaseStorage

NAME = re.compile(r"^(\d+)-[0-9a-f]{32}$")
CLAIMED = ".claimed"


class UploadGone(Exception):
    """The pending upload is not there: confirmed already, swept, or never this user's."""


def directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "pending"


class PendingUpload(BaseStorage):
    """One pending upload (django-import-export's storage interface, plus `write` and `claim`)."""

    def path(self) -> Path:
        return directory() / self.name

    def write(self, chunks, *, user_id: int) -> None:
        """Stream an upload's chunks to a new file named for the user."""
        self.name = f"{user_id}-{uuid.uuid4().hex}"
        directory().mkdir(parents=True, exist_ok=True)
        try:
            with open(self.path(), "xb") as file:
                for chunk in chunks:
                    file.write(chunk)
        except BaseException:
            self.remove()
            raise
        stamp = timezone.now().timestamp()
        os.utime(self.path(), (stamp, stamp))  # its age for the sweep, on the application's clock

    def save(self, data: bytes) -> None:
        raise NotImplementedError("use write(), which names the file for its user")

    def claim(self, *, user_id: int) -> None:
        """Take the upload for one confirm: after this no other request can read it."""
        match = NAME.match(self.name or "")
        if not match or int(match.group(1)) != user_id:
            raise UploadGone(self.name)
        claimed = self.path().with_name(self.name + CLAIMED)
        try:
            os.rename(self.path(), claimed)
        except FileNotFoundError as error:
            raise UploadGone(self.name) from error
        self.name += CLAIMED

    def read(self) -> bytes:
        with open(self.path(), "rb") as file:
            return file.read()

    def remove(self) -> None:
        if self.name:
            self.path().unlink(missing_ok=True)


def sweep(*, now: datetime.datetime | None = None) -> int:
    """Remove pending uploads older than IMPORT_PENDING_MAX_HOURS; returns how many."""
    limit = (now or timezone.now()) - datetime.timedelta(hours=settings.IMPORT_PENDING_MAX_HOURS)
    removed = 0
    for path in directory().glob("*") if directory().is_dir() else ():
        try:
            if path.stat().st_mtime < limit.timestamp():
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # a confirm or another sweep took it meanwhile
    return removed

"""The embedded Celery broker: kombu's filesystem transport, with messages that appear whole.

kombu writes a message straight into the folder that consumers read: a worker that lists the
folder between the file's creation and the end of its writing moves the file away and reads
it empty, and dies on the JSON error ("Unrecoverable error"). Here each message is written
under a name no queue matches, then renamed into place: a rename within one folder is atomic,
so a consumer sees a message whole or not at all.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]  # kombu's own names
        """Put ``payload`` onto ``queue``: written to a hidden file, then renamed."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # "writing-<uuid>" has no dot: the consumers' filter (the part after the first dot
        # is "<queue>.msg") never matches it.
        partial = os.path.join(self.data_folder_out, f"writing-{uuid.uuid4().hex}")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel

"""Logging filters: nothing secret in logs."""

from __future__ import annotations

import logging
import re

# Feed links carry their token in the path: /feeds/<id>/<token>.ics
_FEED_TOKEN = re.compile(r"(/feeds/\d+/)[A-Za-z0-9_-]+(\.ics)")


def redact(text: str) -> str:
    return _FEED_TOKEN.sub(r"\1[token]\2", text)


class RedactFeedTokens(logging.Filter):
    """Replaces feed tokens in a record's message and arguments (Django logs the path of
    every 4xx answer, and the development server every request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request_path = redact(request.path)
        return True

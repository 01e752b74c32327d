"""Logging filters: nothing secret in logs."""

from __future__ import annotations

import logging
import re

# Links that carry a secret token in their path: a feed (/feeds/<id>/<token>.ics) and an
# e-mailed sign-in link (/accounts/email-link/<token>/), which works until it is used.
_TOKENS = (
    (re.compile(r"(/feeds/\d+/)[A-Za-z0-9_-]+(\.ics)"), r"\1[token]\2"),
    (re.compile(r"(/accounts/email-link/)(?!sent/)[A-Za-z0-9_-]+(/)"), r"\1[token]\2"),
)


def redact(text: str) -> str:
    for pattern, replacement in _TOKENS:
        text = pattern.sub(replacement, text)
    return text


class RedactTokens(logging.Filter):
    """Replaces the tokens of feed and sign-in links in a record's message and arguments
    (Django logs the path of every 4xx answer, and the development server every request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request_path = redact(request.path)
        return True

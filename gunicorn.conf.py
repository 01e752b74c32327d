"""gunicorn settings for gaplanner (Dockerfile and docker-compose start it with this file).

The request line: gunicorn's own limit (at most 8190 bytes, default 4094) would refuse a
long query string with a bare 400 that names nothing. 0 hands the bound to the C parser
(gunicorn_h1c, required below), which still refuses request lines over 1 MiB; Django's
QueryStringLimitMiddleware then answers anything longer than its bounds with a 400 naming
the parameter (docs/decisions/019-request-limits-lockout-csp.md).
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))

limit_request_line = 0
# "fast" refuses to start without gunicorn_h1c rather than fall back to the Python parser,
# for which 0 would mean no bound at all.
http_parser = "fast"
limit_request_fields = 100
limit_request_field_size = 8190

# No access log: feed links carry their token in the path. Django logs errors, tokens redacted.
accesslog = None

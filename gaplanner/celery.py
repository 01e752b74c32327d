"""The Celery application: configured from Django settings (``CELERY_*``), three queues.

``default`` for ordinary work, ``feeds`` for calendar rendering, ``notifications`` for
reminders, notices and webhooks, so that a burst of one never delays the others.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaplanner.settings")

QUEUES = ("default", "feeds", "notifications")

app = Celery("gaplanner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.autodiscover_tasks()


@app.task(name="gaplanner.ping", bind=True, ignore_result=False)
def task_ping(self: Any) -> dict[str, str]:
    """Answer from which queue a worker took the task: a liveness check for operators."""
    return {"queue": self.request.delivery_info.get("routing_key", "")}

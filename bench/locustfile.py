"""The load test's mix, for locust (``bench/load.py`` starts it headless, in a process of its
own, against gunicorn at full size). ``BENCH_LOAD_PLAN`` names a JSON file of what to
request, written by ``bench/load.py``:

- subscribers poll personal (40%), delegation (20%) and public feeds (30%), sending
  ``If-None-Match`` with the ``ETag`` of their last answer for that feed, as calendar
  clients do;
- API readers (10%) page through the sessions, read one session or ask for changes;
- organizers (one a session, so that no two write the same one) move their session by 15
  minutes and back with ``PATCH`` and ``If-Match``; every write the server acknowledged is
  written to the plan's ``log`` file at the end, for ``bench/load.py`` to find in the database.

Each request is named by its kind (``feed personal``, ``api read``, ``organizer write``…):
locust's statistics per name are the percentiles per kind.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant_throughput, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text())
HEADERS = {"X-Forwarded-Proto": "https"}
ACKNOWLEDGED: list[dict[str, str]] = []
_writers = itertools.count()


class Subscriber(FastHttpUser):
    """A calendar client polling feeds, and now and then an API client reading."""

    weight = 1
    wait_time = constant_throughput(PLAN["rate_per_user"])

    def on_start(self) -> None:
        self.etags: dict[str, str] = {}
        self.rng = random.Random()

    def _poll(self, kind: str) -> None:
        path = self.rng.choice(PLAN["feeds"][kind])
        headers = dict(HEADERS)
        if path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        with self.client.get(path, headers=headers, name=f"feed {kind}", catch_response=True) as answer:
            if answer.status_code in (200, 304):
                self.etags[path] = str(answer.headers.get("ETag", "")) if answer.headers else ""
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")

    @task(40)
    def personal(self) -> None:
        self._poll("personal")

    @task(20)
    def delegation(self) -> None:
        self._poll("delegation")

    @task(30)
    def public(self) -> None:
        self._poll("public")

    @task(10)
    def api_read(self) -> None:
        path = self.rng.choice(PLAN["api"])
        self.client.get(
            path,
            headers={**HEADERS, "Authorization": f"Token {PLAN['token']}", "Accept": "application/json"},
            name="api read",
        )


class Organizer(FastHttpUser):
    """An organizer moving one session of their own by 15 minutes and back."""

    fixed_count = len(PLAN["writes"])
    wait_time = constant_throughput(PLAN["writes_per_user"])

    def on_start(self) -> None:
        self.session = PLAN["writes"][next(_writers) % len(PLAN["writes"])]
        self.headers = {**HEADERS, "Authorization": f"Token {PLAN['token']}", "Accept": "application/json"}
        self.forward = True
        self.etag = ""
        read = self.client.get(self.session["path"], headers=self.headers, name="organizer read")
        if read.status_code == 200:
            self.etag = str(read.headers.get("ETag", "")) if read.headers else ""
            current = read.json()
            # Not self.start: a locust User's start() is a method.
            self.begins = dt.datetime.fromisoformat(current["start"])
            self.ends = dt.datetime.fromisoformat(current["end"])

    @task
    def move(self) -> None:
        if not self.etag:
            self.on_start()
            return
        shift = dt.timedelta(minutes=15 if self.forward else -15)
        start, end = (self.begins + shift).isoformat(), (self.ends + shift).isoformat()
        with self.client.request(
            "PATCH",
            self.session["path"],
            json={"start": start, "end": end},
            headers={**self.headers, "If-Match": self.etag},
            name="organizer write",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")
                self.etag = ""  # read it again before the next write
                return
            answer.success()
            self.etag = str(answer.headers.get("ETag", "")) if answer.headers else ""
            self.begins, self.ends = self.begins + shift, self.ends + shift
            self.forward = not self.forward
            ACKNOWLEDGED.append({"code": self.session["code"], "start": start})


@events.test_stop.add_listener
def write_log(**kwargs: Any) -> None:
    Path(PLAN["log"]).write_text(json.dumps(ACKNOWLEDGED))

"""The API walk-through of ``docs/api.md``, run as written against a live server.

The ``sh`` blocks under the "Walk-through" heading are run in order, in one ``bash -euo
pipefail``, against pytest-django's live server holding the Marrakech sample and the demo
accounts, as ``make run`` loads them; only ``BASE`` (which the first block reads from the
environment) points them at the live server. Each block's output is checked against what
the documentation says it does, so that the guide cannot drift from the API.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.delegations.selectors import principal_for
from apps.events.models import Event
from apps.programme.models import Session
from apps.programme.selectors import sessions_expecting

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = "## Walk-through"
MARK = "@@walk-through block {}@@"
MARK_LINE = re.compile(r"\n@@walk-through block (\d+)@@\n")


def walkthrough_blocks(markdown: str) -> list[str]:
    """The ``sh`` code blocks of the walk-through section, in order."""
    _, heading, rest = markdown.partition(f"\n{SECTION}\n")
    assert heading, f"docs/api.md has no {SECTION!r} heading"
    section = rest.split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```$", section, flags=re.DOTALL | re.MULTILINE)


def step_number(block: str) -> int:
    """The number of the step a block starts with (``# 3. …``); 0 for the set-up block."""
    found = re.match(r"# (\d+)\. ", block)
    return int(found.group(1)) if found else 0


def run_blocks(blocks: list[str], *, base: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], dict[int, str]]:
    """Run ``blocks`` in one shell, as a reader pastes them; each block's output by step number."""
    script = "".join(f"printf '\\n{MARK.format(step_number(block))}\\n'\n{block}" for block in blocks)
    env = {**os.environ, "BASE": base}
    env.pop("EVENT", None)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    parts = MARK_LINE.split("\n" + done.stdout)
    outputs = {int(number): text.strip() for number, text in zip(parts[1::2], parts[2::2], strict=True)}
    return done, outputs


def answers(output: str, count: int) -> list[Any]:
    """The ``count`` JSON answers among a block's output lines."""
    found = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert len(found) == count, f"{count} JSON answers expected in:\n{output}"
    return found


@pytest.fixture
def sample(settings: Any) -> Event:
    """The Marrakech sample and the demo accounts, as ``make run`` loads them (demo mode)."""
    settings.DEMO_MODE = True
    call_command("sample_load", "--demo-accounts", stdout=io.StringIO())
    return Event.objects.get(slug="interpol-ga-2025")


@pytest.fixture
def _server_cache_of_its_own(settings: Any) -> None:
    """The live server's threads make their own cache connections, which the suite's per-test
    key prefix does not reach: the settings carry a prefix of the test's own, so that no
    throttle count of an earlier run (on Redis) is read back."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"walk-through-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_server_cache_of_its_own")
def test_walkthrough_runs_as_written_against_a_live_server(live_server, sample, tmp_path):
    assert shutil.which("curl"), "the walk-through needs curl"
    blocks = walkthrough_blocks(DOC.read_text(encoding="utf-8"))
    # Never a developer's server at the documented address: the first block must take BASE.
    assert blocks[0].startswith("BASE=${BASE:-"), blocks[0]

    done, outputs = run_blocks(blocks, base=live_server.url, cwd=tmp_path)

    last = max(outputs, default=None)
    assert done.returncode == 0, f"step {last} failed:\n{done.stdout}\n{done.stderr}"
    assert done.stderr == ""
    assert list(outputs) == list(range(11))
    # Set-up: variables only.
    assert outputs[0] == ""
    # 1. A token: the organizer is signed in.
    [me] = answers(outputs[1], 1)
    assert (me["username"], me["organizer_of"]) == ("organizer", ["interpol-ga-2025"])
    # 2. The event.
    [event] = answers(outputs[2], 1)
    assert (event["slug"], event["timezone"], event["start_date"]) == ("ga-2026", "Asia/Hong_Kong", "2026-11-02")
    # 3. A venue and a room.
    ids = re.fullmatch(r"venue (\d+), room (\d+)", outputs[3])
    assert ids, outputs[3]
    venue, room = map(int, ids.groups())
    ga_2026 = Event.objects.get(slug="ga-2026")
    assert list(ga_2026.venues.values_list("id", "rooms__id", "rooms__name")) == [(venue, room, "Plenary Hall")]
    # 4. A delegation and its head.
    [head] = answers(outputs[4], 1)
    assert (head["role"], head["first_name"], head["last_name"]) == ("head", "Wanjiru", "Mfano")
    # 5. A session, created once although sent twice with the same Idempotency-Key.
    [created] = answers(outputs[5], 1)
    assert (created["code"], created["room"], created["start"], created["end"], created["warnings"]) == (
        "GA-OPEN",
        room,
        "2026-11-02T09:00:00+08:00",
        "2026-11-02T10:30:00+08:00",
        [],
    )
    assert outputs[5].splitlines()[-1] == "Idempotent-Replayed: true"
    # 6. The ETag, read with the token; the update that sends it; the same ETag again, stale.
    lines = outputs[6].splitlines()
    assert len(lines) == 3, outputs[6]
    etag_line, patched_line, stale = lines
    assert re.fullmatch(r'ETag "[0-9a-f]{32}"', etag_line)
    assert json.loads(patched_line)["end"] == "2026-11-02T11:00:00+08:00"
    assert stale == "412"
    # 7. The preview and version 1.
    preview, version_1 = answers(outputs[7], 2)
    assert [(c["kind"], c["code"]) for c in preview["changes"]["results"]] == [("new", "GA-OPEN")]
    assert (preview["changes"]["summary"]["count"], preview["warnings"]["count"]) == (1, 0)
    assert (version_1["number"], version_1["note"]) == (1, "Programme as announced")
    # 8. Anyone reads it, in French, as it was published (the stale update changed nothing).
    [listed] = answers(outputs[8], 1)
    assert listed["count"] == 1
    assert [(s["code"], s["title"], s["start"], s["end"]) for s in listed["results"]] == [
        ("GA-OPEN", "Cérémonie d'ouverture", "2026-11-02T09:00:00+08:00", "2026-11-02T11:00:00+08:00")
    ]
    # 9. Moved, published as version 2, and followed with changes?since=1.
    moved, version_2, changes = answers(outputs[9], 3)
    assert (moved["start"], version_2["number"]) == ("2026-11-02T14:00:00+08:00", 2)
    assert (changes["since"], changes["version"]) == (1, 2)
    assert [(c["version"], c["kind"], c["code"], c["fields"]) for c in changes["changes"]] == [
        (2, "moved", "GA-OPEN", ["end", "start"])
    ]
    assert Session.objects.working().filter(event=ga_2026).count() == 1
    # 10. The demo delegate's agenda in the sample, times with the assembly's offset.
    [agenda] = answers(outputs[10], 1)
    delegate = principal_for(user=get_user_model().objects.get(username="delegate"), event=sample)
    expected = list(sessions_expecting(delegate).order_by("start", "code").values_list("code", flat=True))
    assert [s["code"] for s in agenda["results"]] == expected[:50]
    assert agenda["count"] == len(expected) > 0
    assert {s["start"][-6:] for s in agenda["results"]} == {"+01:00"}

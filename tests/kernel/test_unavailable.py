"""A request that cannot reach the database answers 503 with Retry-After and a message (JSON
under /api/, plain text for feeds, a short page elsewhere), never 500; the next request after
the database is back is answered as usual. The outage is real: the connection's settings point
where no database is (SQLite: a folder that does not exist; PostgreSQL: a closed port)."""

import logging

import pytest
from django.db import InterfaceError, OperationalError, connection

from apps.kernel.unavailable import DatabaseUnavailableMiddleware, is_database_unreachable

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "The planner cannot reach its database for the moment: retry in a few seconds."


@pytest.fixture
def outage(monkeypatch, tmp_path):
    """``outage.begin()`` makes the next connection fail, ``outage.end()`` lets it work again."""
    monkeypatch.setattr(DatabaseUnavailableMiddleware, "down_since", None)
    settings_dict = connection.settings_dict
    working = {key: settings_dict[key] for key in ("NAME", "HOST", "PORT")}

    class Outage:
        def begin(self) -> None:
            connection.close()
            if connection.vendor == "sqlite":
                settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
            else:
                settings_dict.update(HOST="127.0.0.1", PORT="1")

        def end(self) -> None:
            connection.close()
            settings_dict.update(working)

    outage = Outage()
    yield outage
    outage.end()


def test_api_answers_503_json_with_retry_after_then_200_when_the_database_is_back(client, personas, outage):
    outage.begin()
    down = client.get("/api/v1/events/ga-2025/")
    outage.end()
    back = client.get("/api/v1/events/ga-2025/")

    assert (down.status_code, down["Retry-After"], down["Content-Type"], down.json()) == (
        503,
        "10",
        "application/json",
        {"detail": MESSAGE},
    )
    assert (back.status_code, back.json()["slug"]) == (200, "ga-2025")


def test_a_feed_answers_503_in_plain_text(client, personas, outage):
    outage.begin()
    down = client.get("/events/ga-2025/feeds/public.ics")

    assert (down.status_code, down["Retry-After"], down["Content-Type"], down.content.decode()) == (
        503,
        "10",
        "text/plain; charset=utf-8",
        f"{MESSAGE}\n",
    )


def test_a_page_answers_a_short_503_page_in_the_readers_language(client, personas, outage):
    outage.begin()
    down = client.get("/events/ga-2025/", headers={"accept-language": "en"})

    page = down.content.decode()
    assert (down.status_code, down["Retry-After"], down["Content-Type"]) == (503, "10", "text/html; charset=utf-8")
    assert "<h1>The planner is unavailable for the moment</h1>" in page
    assert f"<p>{MESSAGE}</p>" in page
    assert "Traceback" not in page


def test_an_outage_is_logged_once_when_it_begins_and_once_when_it_ends(client, personas, outage, caplog):
    caplog.set_level(logging.INFO, logger="apps.kernel.unavailable")

    outage.begin()
    answers = [client.get("/api/v1/events/ga-2025/").status_code for _ in range(3)]
    outage.end()
    answers += [client.get("/api/v1/events/ga-2025/").status_code for _ in range(2)]

    assert answers == [503, 503, 503, 200, 200]
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "apps.kernel.unavailable"]
    assert [level for level, _message in messages] == ["WARNING", "INFO"]
    assert messages[0][1].startswith("Database unreachable (OperationalError")
    assert messages[0][1].endswith("): requests answer 503 until it is back")
    assert messages[1][1].startswith("Database reachable again after ")
    assert not any(str(connection.settings_dict["NAME"]) in message for _level, message in messages)


def test_only_errors_of_an_unreachable_database_are_answered_503():
    assert is_database_unreachable(InterfaceError("connection already closed")) is True
    assert is_database_unreachable(OperationalError("database is locked")) is False  # busy: apps.kernel.busy
    assert is_database_unreachable(OperationalError("no such table: nowhere")) is False
    assert is_database_unreachable(ValueError("connection refused")) is False

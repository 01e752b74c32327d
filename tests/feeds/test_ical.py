"""Calendar feeds, checked on their bytes against the rules of docs/calendar.md."""

import datetime as dt
import logging

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.delegations.models import Participant
from apps.feeds.services import feed_fragments_render, feed_revoke, feed_rotate, feed_urls, participant_feed
from apps.kernel.log_filters import RedactTokens
from apps.programme.enums import SessionStatus, Visibility
from apps.programme.models import Session
from apps.programme.services import session_cancel, session_save
from tests.factories import CASABLANCA, EventFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

PUBLIC = "/events/ga-2025/feeds/public.ics"


def at(hour: int, minute: int = 0, day: int = 24) -> dt.datetime:
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=CASABLANCA)


def lines(body: bytes) -> list[bytes]:
    return body.split(b"\r\n")


def unfolded(body: bytes) -> list[str]:
    return body.decode().replace("\r\n ", "").split("\r\n")


def events_of(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


@pytest.fixture
def programme(personas, publish):
    room = RoomFactory(venue__event=personas.event, name="Plenary Hall", venue__name="Palais")
    SessionFactory(
        event=personas.event,
        room=room,
        code="GA-OPEN",
        title={"en": "Opening, welcome; speeches", "ar": "حفل الافتتاح"},
    )
    publish(personas.event)
    return room


def test_public_feed_answers_a_calendar_with_cache_headers(client, programme):
    response = client.get(PUBLIC)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]


def test_every_line_ends_in_crlf_and_fits_75_octets(client, personas, publish):
    SessionFactory(event=personas.event, room=None, code="LONG", title={"ar": " ".join(["الجلسة العامة"] * 12)})
    publish(personas.event)

    body = client.get(f"{PUBLIC}?lang=ar").content

    assert body.endswith(b"END:VCALENDAR\r\n")
    assert not body.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in lines(body)) <= 75
    for line in lines(body):
        line.decode("utf-8")  # folding never splits a UTF-8 sequence
    [summary] = [line for line in unfolded(body) if line.startswith("SUMMARY:")]
    assert summary == "SUMMARY:" + " ".join(["الجلسة العامة"] * 12)


def test_calendar_properties_appear_once(client, programme):
    text = unfolded(client.get(PUBLIC).content)

    for name in (
        "VERSION:2.0",
        "PRODID:-//gaplanner//calendar feeds//EN",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert text.count(name) == 1
    names = [line for line in text if line.startswith(("NAME:", "X-WR-CALNAME:"))]
    assert names == ["NAME:Assembly ga-2025", "X-WR-CALNAME:Assembly ga-2025"]
    assert not [line for line in text if line.startswith(("METHOD", "ATTENDEE", "ORGANIZER", "BEGIN:VALARM"))]


def test_vtimezone_comes_first_without_comment(client, programme):
    text = unfolded(client.get(PUBLIC).content)

    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
    assert "TZID:Africa/Casablanca" in text
    assert not [line for line in text if line.startswith("COMMENT")]


def test_an_empty_feed_still_has_its_vtimezone(client, event):
    text = unfolded(client.get(PUBLIC).content)

    assert "BEGIN:VTIMEZONE" in text
    assert "BEGIN:VEVENT" not in text


def test_text_is_escaped_and_event_properties_are_right(client, programme):
    text = unfolded(client.get(PUBLIC).content)

    assert "SUMMARY:Opening\\, welcome\\; speeches" in text
    assert "UID:ga-2025-ga-open@gaplanner" in text
    assert "DTSTART;TZID=Africa/Casablanca:20251124T090000" in text
    assert "LOCATION:Plenary Hall\\, Palais" in text
    assert "URL:http://127.0.0.1:8000/events/ga-2025/sessions/GA-OPEN/" in text
    assert "STATUS:CONFIRMED" in text
    assert "SEQUENCE:0" in text
    [stamp] = [line[8:] for line in text if line.startswith("DTSTAMP:")]
    assert f"LAST-MODIFIED:{stamp}" in text


@pytest.mark.parametrize(
    ("start", "end", "slug", "utc"),
    [
        ("2025-11-24", "2025-11-27", "ga-2025", "2025-11-25T08:00:00+00:00"),  # UTC+01:00
        ("2026-03-20", "2026-03-23", "ramadan", "2026-03-21T09:00:00+00:00"),  # Ramadan: UTC+00:00
        ("2026-11-02", "2026-11-05", "ga-2026", "2026-11-03T09:00:00+00:00"),  # after 2026-09-20
    ],
)
def test_parsers_read_the_database_instants(client, publish, start, end, slug, utc):
    event = EventFactory(slug=slug, start_date=dt.date.fromisoformat(start), end_date=dt.date.fromisoformat(end))
    day = dt.date.fromisoformat(start) + dt.timedelta(days=1)
    local = dt.datetime.combine(day, dt.time(9, 0), tzinfo=event.zone)
    SessionFactory(event=event, room=None, code="S-1", start=local, end=local + dt.timedelta(hours=1))
    publish(event)

    [vevent] = events_of(client.get(f"/events/{slug}/feeds/public.ics").content)

    assert vevent.decoded("dtstart").astimezone(dt.UTC).isoformat() == utc
    assert Session.objects.published().get(event=event).start.isoformat() == utc


def test_a_cancelled_session_stays_struck_out(client, personas, programme, publish):
    session_cancel(session=Session.objects.working().get(code="GA-OPEN"))
    publish(personas.event)

    text = unfolded(client.get(PUBLIC).content)
    french = unfolded(client.get(f"{PUBLIC}?lang=fr").content)

    assert "STATUS:CANCELLED" in text
    assert "TRANSP:TRANSPARENT" in text
    assert "SEQUENCE:1" in text
    assert "SUMMARY:Cancelled: Opening\\, welcome\\; speeches" in text
    assert "SUMMARY:Annulé : Opening\\, welcome\\; speeches" in french


def test_a_move_raises_sequence_and_changes_only_the_feeds_it_touches(client, personas, programme, publish):
    other = RoomFactory(venue__event=personas.event, name="Atlas")
    SessionFactory(event=personas.event, room=other, code="ATLAS-1", start=at(14), end=at(15))
    publish(personas.event)
    plenary_feed = f"/events/ga-2025/feeds/rooms/{programme.pk}.ics"
    atlas_feed = f"/events/ga-2025/feeds/rooms/{other.pk}.ics"
    before = {url: client.get(url)["ETag"] for url in (PUBLIC, plenary_feed, atlas_feed)}
    session_save(session=Session.objects.working().get(code="GA-OPEN"), data={"start": at(10), "end": at(11)})
    publish(personas.event)

    after = {url: client.get(url)["ETag"] for url in (PUBLIC, plenary_feed, atlas_feed)}

    assert after[PUBLIC] != before[PUBLIC]
    assert after[plenary_feed] != before[plenary_feed]
    assert after[atlas_feed] == before[atlas_feed]
    assert "SEQUENCE:1" in unfolded(client.get(plenary_feed).content)
    assert "DTSTART;TZID=Africa/Casablanca:20251124T100000" in unfolded(client.get(plenary_feed).content)


def test_unpublished_changes_stay_out_of_feeds(client, programme):
    before = client.get(PUBLIC)
    session_save(session=Session.objects.working().get(code="GA-OPEN"), data={"title": {"en": "Draft rename"}})

    after = client.get(PUBLIC)

    assert after["ETag"] == before["ETag"]
    assert b"Draft rename" not in after.content


def test_a_closed_session_reaches_its_audience_only(client, personas, publish):
    morocco = personas.event.delegations.get(country="MA")
    room = RoomFactory(venue__event=personas.event)
    SessionFactory(
        event=personas.event,
        room=room,
        code="CLOSED",
        kind="bilateral",
        title={"en": "Closed-7f3a"},
        visibility=Visibility.RESTRICTED,
        audience={"delegations": [morocco]},
    )
    publish(personas.event)
    head = Participant.objects.get(user=personas.head)
    outsider = Participant.objects.get(user=personas.outsider)
    from apps.feeds.services import delegation_feed

    outside_urls = [
        PUBLIC,
        f"/events/ga-2025/feeds/rooms/{room.pk}.ics",
        "/events/ga-2025/feeds/kinds/bilateral.ics",
        _path(feed_urls(participant_feed(participant=outsider))["https"]),
        _path(feed_urls(delegation_feed(delegation=outsider.delegation))["https"]),
        "/events/ga-2025/schedule.json",
        "/events/ga-2025/schedule.xml",
    ]
    inside_urls = [
        _path(feed_urls(participant_feed(participant=head))["https"]),
        _path(feed_urls(delegation_feed(delegation=morocco))["https"]),
    ]

    assert [b"Closed-7f3a" in client.get(url).content for url in outside_urls] == [False] * len(outside_urls)
    assert [b"Closed-7f3a" in client.get(url).content for url in inside_urls] == [True, True]


def _path(url: str) -> str:
    return url.split("127.0.0.1:8000", 1)[1]


def test_leaving_the_audience_removes_the_session_from_the_personal_feed(client, personas, publish):
    head = Participant.objects.get(user=personas.head)
    SessionFactory(event=personas.event, room=None, code="P-1", title={"en": "Mine"}, audience={"participants": [head]})
    publish(personas.event)
    url = _path(feed_urls(participant_feed(participant=head))["https"])
    before = client.get(url)
    session_save(session=Session.objects.working().get(code="P-1"), data={"participants": []})
    publish(personas.event)

    after = client.get(url)

    assert b"Mine" in before.content
    assert b"Mine" not in after.content
    assert after["ETag"] != before["ETag"]


def test_personal_feeds_are_private_and_in_the_participants_language(client, personas, publish):
    head = Participant.objects.get(user=personas.head)
    head.language = "ar"
    head.save()
    SessionFactory(
        event=personas.event,
        room=None,
        code="P-1",
        title={"en": "Mine", "ar": "جلستي"},
        audience={"participants": [head]},
    )
    publish(personas.event)

    response = client.get(_path(feed_urls(participant_feed(participant=head))["https"]))

    assert response.status_code == 200
    assert (response["Cache-Control"], response["X-Robots-Tag"], response["Referrer-Policy"]) == (
        "private, max-age=300",
        "noindex",
        "no-referrer",
    )
    assert "SUMMARY:جلستي" in unfolded(response.content)


def test_tokens_are_long_and_rotation_makes_the_old_link_gone(client, personas, django_capture_on_commit_callbacks):
    feed = participant_feed(participant=Participant.objects.get(user=personas.head))
    old = _path(feed_urls(feed)["https"])

    with django_capture_on_commit_callbacks(execute=True):
        feed_rotate(feed=feed)
    new = _path(feed_urls(feed)["https"])

    assert len(old.rsplit("/", 1)[1].removesuffix(".ics")) == 32  # 192 bits
    assert (client.get(old).status_code, client.get(new).status_code) == (410, 200)


def test_revoked_unknown_and_withdrawn(client, personas, django_capture_on_commit_callbacks):
    head = Participant.objects.get(user=personas.head)
    feed = participant_feed(participant=head)
    url = _path(feed_urls(feed)["https"])
    wrong = url.rsplit("/", 1)[0] + "/" + "A" * 32 + ".ics"

    unknown = client.get("/feeds/999999/" + "A" * 32 + ".ics").status_code
    wrong_token = client.get(wrong).status_code
    with django_capture_on_commit_callbacks(execute=True):
        feed_revoke(feed=feed)
    revoked = client.get(url).status_code
    with django_capture_on_commit_callbacks(execute=True):
        feed_rotate(feed=feed)
    revived = client.get(_path(feed_urls(feed)["https"])).status_code
    with django_capture_on_commit_callbacks(execute=True):
        head.is_active = False
        head.save()
    withdrawn = client.get(_path(feed_urls(feed)["https"])).status_code

    assert (unknown, wrong_token, revoked, revived, withdrawn) == (404, 404, 410, 200, 410)


def test_conditional_requests_and_head(client, programme):
    first = client.get(PUBLIC)

    by_etag = client.get(PUBLIC, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(PUBLIC, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    head = client.head(PUBLIC)

    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert (by_date.status_code, by_date.content) == (304, b"")
    assert (head.status_code, head["ETag"]) == (200, first["ETag"])


def test_a_cached_feed_costs_no_query(client, personas, programme):
    feed_url = _path(feed_urls(participant_feed(participant=Participant.objects.get(user=personas.head)))["https"])
    etag = client.get(PUBLIC)["ETag"]
    client.get(feed_url)

    with CaptureQueriesContext(connection) as queries:
        not_modified = client.get(PUBLIC, HTTP_IF_NONE_MATCH=etag)
        cached = client.get(PUBLIC)
        private = client.get(feed_url)

    assert (not_modified.status_code, cached.status_code, private.status_code) == (304, 200, 200)
    assert len(queries) == 0


@pytest.mark.parametrize("size", [1, 3])
def test_a_feed_built_afresh_costs_the_same_queries_for_any_length(client, personas, publish, size):
    for n in range(size):
        SessionFactory(event=personas.event, room=RoomFactory(venue__event=personas.event), code=f"S-{n}")
    publish(personas.event)

    with CaptureQueriesContext(connection) as queries:
        client.get(PUBLIC)

    assert len(queries) == 3  # event, count, sessions with rooms and venues


def test_bad_language_and_unknown_parts(client, event):
    bad_language = client.get(f"{PUBLIC}?lang=xx")

    assert (bad_language.status_code, bad_language.content) == (400, b"lang: 'xx' is not one of ar, en, es, fr.\n")
    assert client.get("/events/ga-2025/feeds/kinds/circus.ics").status_code == 404
    assert client.get("/events/ga-2025/feeds/rooms/999999.ics").status_code == 404
    assert client.get("/events/nope/feeds/public.ics").status_code == 404


def test_a_bad_language_is_a_plain_bad_request_naming_lang_on_every_feed(client, personas, programme):
    head = Participant.objects.get(user=personas.head)
    urls = [
        PUBLIC,
        _path(feed_urls(participant_feed(participant=head))["https"]),
        "/events/ga-2025/sessions/GA-OPEN/calendar.ics",
    ]

    answers = [client.get(f"{url}?lang=xx") for url in urls]

    assert [(answer.status_code, answer["Content-Type"], answer.content) for answer in answers] == [
        (400, "text/plain; charset=utf-8", b"lang: 'xx' is not one of ar, en, es, fr.\n")
    ] * 3


def test_a_single_session_downloads_for_those_who_may_see_it(client, personas, programme, publish):
    SessionFactory(event=personas.event, room=None, code="CLOSED", visibility=Visibility.RESTRICTED)
    publish(personas.event)

    download = client.get("/events/ga-2025/sessions/GA-OPEN/calendar.ics")
    closed = client.get("/events/ga-2025/sessions/CLOSED/calendar.ics")

    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="ga-open.ics"'
    assert len(events_of(download.content)) == 1
    assert closed.status_code == 404


def test_feed_tokens_never_reach_the_logs():
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Gone: %s", ("/feeds/7/Abc_123-xyz.ics",), None
    )

    RedactTokens().filter(record)

    assert record.getMessage() == "Gone: /feeds/7/[token].ics"


def test_publishing_renders_fragments_once(personas, programme):
    rendered = feed_fragments_render(event=personas.event)

    assert rendered == 1
    assert Session.objects.published().filter(event=personas.event, status=SessionStatus.CONFIRMED).count() == 1


def test_two_renders_of_the_same_state_are_byte_identical(client, programme):
    from django.core.cache import cache

    first = client.get(PUBLIC)
    cache.key_prefix = cache.key_prefix + "-again"  # nothing cached: render everything anew

    second = client.get(PUBLIC)

    assert (second.content, second["ETag"]) == (first.content, first["ETag"])


@time_machine.travel("2026-11-29 12:00+00:00")
def test_a_feed_holds_at_most_1000_events(client, personas, publish, settings):
    settings.FEED_MAX_EVENTS = 2
    for n in range(3):
        SessionFactory(event=personas.event, room=None, code=f"S-{n}", start=at(9 + n), end=at(10 + n))
    publish(personas.event)

    text = unfolded(client.get(PUBLIC).content)

    # The event is over: the latest sessions are the ones kept.
    assert [line for line in text if line.startswith("UID:")] == [
        "UID:ga-2025-s-1@gaplanner",
        "UID:ga-2025-s-2@gaplanner",
    ]


def test_rotating_a_stale_copy_still_moves_past_the_stored_version(client, personas):
    feed = participant_feed(participant=Participant.objects.get(user=personas.head))
    stale = type(feed).objects.get(pk=feed.pk)
    feed_rotate(feed=feed)

    feed_rotate(feed=stale)

    assert type(feed).objects.get(pk=feed.pk).version == 3

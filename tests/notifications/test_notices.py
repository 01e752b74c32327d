import datetime as dt

import icalendar

from apps.notifications.enums import NotificationKind, NotificationStatus
from apps.notifications.models import Notification
from apps.programme.services import session_cancel, session_save
from tests.factories import RoomFactory, SessionFactory

CASABLANCA = dt.timezone(dt.timedelta(hours=1))


def local(hour: int, minute: int = 0, day: int = 24) -> dt.datetime:
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=CASABLANCA)


def test_the_first_publication_is_an_announcement_not_a_change(assembly, publish_planned, sweep):
    event, _head, _delegate, _opening = assembly

    publish_planned(event)

    assert not Notification.objects.filter(kind=NotificationKind.CHANGES).exists()


def test_publications_in_a_row_make_one_notice_with_everything_that_changed(
    assembly, publish_planned, sweep, time_machine
):
    event, head, _delegate, opening = assembly
    other_room = RoomFactory(venue=opening.room.venue, name="Room Atlas")
    budget = SessionFactory(
        event=event,
        code="BUDGET",
        room=other_room,
        start=local(14),
        end=local(15),
        title={"en": "Budget"},
        audience={"participants": [head]},
    )
    publish_planned(event)
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False)

    session_save(session=opening, data={"start": local(10), "end": local(11)})
    publish_planned(event)
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 5, tzinfo=dt.UTC), tick=False)
    session_save(session=opening, data={"room": other_room})
    session_cancel(session=budget)
    SessionFactory(
        event=event,
        code="AFRICA",
        room=opening.room,
        start=local(15),
        end=local(16, day=25),
        title={"en": "African regional conference", "fr": "Conférence régionale africaine"},
        audience={"delegations": [head.delegation]},
    )
    publish_planned(event)
    quiet = sweep("2025-11-20T12:14:00+00:00")
    sent = sweep("2025-11-20T12:15:00+00:00")
    later = sweep("2025-11-20T13:00:00+00:00")

    assert quiet == []
    assert later == []
    by_address = {m.to[0]: m for m in sent}
    assert sorted(by_address) == ["amina@example.org", "karim@example.org"]
    amina = by_address["amina@example.org"]
    assert amina.subject == "Assembly ga-2025: 3 changes to your programme"
    lines = [line.strip() for line in amina.body.splitlines()]
    assert lines[lines.index("* Cancelled: Budget") + 1] == "Monday 24 November 2025, 14:00–15:00 (UTC+01:00)"
    moved = lines.index("* Moved: Opening ceremony")
    assert lines[moved + 1 : moved + 5] == [
        "Monday 24 November 2025, 10:00–11:00 (UTC+01:00)",
        "(was Monday 24 November 2025, 09:00–10:00 (UTC+01:00))",
        "Room Atlas, Palais des Congrès",
        "(was Plenary Hall, Palais des Congrès)",
    ]
    added = lines.index("* New for you: African regional conference")
    assert lines[added + 1] == "Monday 24 November 2025, 15:00–Tuesday 25 November 2025, 16:00 (UTC+01:00)"
    [(name, content, mimetype)] = amina.attachments
    assert (name, mimetype) == ("changes.ics", "text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    events = {str(e["UID"]): (str(e["STATUS"]), int(e["SEQUENCE"])) for e in calendar.walk("VEVENT")}
    assert events == {
        "ga-2025-open@gaplanner": ("CONFIRMED", 2),
        "ga-2025-budget@gaplanner": ("CANCELLED", 1),
        "ga-2025-africa@gaplanner": ("CONFIRMED", 0),
    }
    karim = by_address["karim@example.org"]
    assert karim.subject == "Assemblée ga-2025 : 2 modifications de votre programme"
    rows = Notification.objects.filter(kind=NotificationKind.CHANGES).order_by("participant__email")
    assert [(r.version_from, r.version_to, r.status) for r in rows] == [(2, 3, NotificationStatus.SENT)] * 2


def test_a_change_undone_before_the_notice_goes_out_is_no_change(assembly, publish_planned, sweep, time_machine):
    event, _head, _delegate, opening = assembly
    publish_planned(event)
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False)
    session_save(session=opening, data={"start": local(10), "end": local(11)})
    publish_planned(event)
    session_save(session=opening, data={"start": local(9), "end": local(10)})
    publish_planned(event)

    sent = sweep("2025-11-20T12:30:00+00:00")

    assert sent == []
    assert set(Notification.objects.filter(kind=NotificationKind.CHANGES).values_list("status", "detail")) == {
        (NotificationStatus.SKIPPED, "nothing changed for them in the end")
    }


def test_a_publication_after_the_notice_went_out_makes_a_new_one(assembly, publish_planned, sweep, time_machine):
    event, _head, _delegate, opening = assembly
    publish_planned(event)
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False)
    session_save(session=opening, data={"start": local(10), "end": local(11)})
    publish_planned(event)
    first = sweep("2025-11-20T12:10:00+00:00")
    session_save(session=opening, data={"start": local(11), "end": local(12)})
    publish_planned(event)

    second = sweep("2025-11-20T12:20:00+00:00")

    assert len(first) == len(second) == 2
    assert "11:00–12:00 (UTC+01:00)" in second[0].body
    assert "(was Monday 24 November 2025, 10:00–11:00 (UTC+01:00))" in second[0].body


def test_a_notice_waits_no_longer_than_the_maximum_delay(assembly, publish_planned, time_machine):
    event, _head, _delegate, opening = assembly
    publish_planned(event)
    start = dt.datetime(2025, 11, 20, 12, 0, tzinfo=dt.UTC)
    for minutes in range(0, 70, 7):  # a publication every 7 minutes for over an hour
        time_machine.move_to(start + dt.timedelta(minutes=minutes), tick=False)
        session_save(session=opening, data={"start": local(10 + minutes % 2), "end": local(11 + minutes % 2)})
        publish_planned(event)

    due = set(Notification.objects.filter(kind=NotificationKind.CHANGES).values_list("due_at", flat=True))

    assert due == {start + dt.timedelta(minutes=60)}

"""Participants imported from a CSV file: all rows or none, every problem with its place."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.delegations.enums import DelegationKind, Role
from apps.delegations.importing import (
    CONSTRAINTS_CHECKED,
    ImportOutdated,
    ImportProblem,
    ImportReport,
    participants_import,
    participants_import_check,
    participants_import_write,
)
from apps.delegations.models import Participant
from apps.feeds import cache as feed_cache
from apps.feeds.services import participant_feed
from tests.factories import DelegationFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

HEADER = "delegation,role,first_name,last_name,email,language"
FIELDS = ("delegation__country", "role", "first_name", "last_name", "email", "language")


def _csv(*lines: str) -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode()


def _registered(event) -> list[tuple]:
    return list(Participant.objects.filter(event=event).order_by("pk").values_list(*FIELDS))


@pytest.fixture
def morocco(event):
    return DelegationFactory(event=event, country="MA")


@pytest.fixture
def france(event):
    return DelegationFactory(event=event, country="FR")


@pytest.fixture
def europol(event):
    return DelegationFactory(
        event=event,
        kind=DelegationKind.OBSERVER,
        country="",
        organisation={"en": "Europol", "ar": "يوروبول"},
    )


def test_import_creates_participants_with_defaults(event, morocco, europol):
    data = _csv(
        HEADER,
        "MA,head,Amina,Benali,amina.benali@example.org,fr",
        "ma,,Youssef,Alaoui,,",
        "MAR,Adviser,Karim,Tazi,,AR",
        "Europol,observer,Jan,Visser,jan.visser@example.org,en",
        ",interpreter,Lucía,García,LUCIA@Example.org,es",
    )

    report = participants_import(event=event, data=data)

    assert report == ImportReport(created=5, updated=0, unchanged=0, problems=[])
    assert report.ok is True
    assert _registered(event) == [
        ("MA", "head", "Amina", "Benali", "amina.benali@example.org", "fr"),
        ("MA", "delegate", "Youssef", "Alaoui", "", "en"),
        ("MA", "adviser", "Karim", "Tazi", "", "ar"),
        ("", "observer", "Jan", "Visser", "jan.visser@example.org", "en"),
        (None, "interpreter", "Lucía", "García", "lucia@example.org", "es"),
    ]


def test_import_new_participant_speaks_the_events_default_language(event, morocco):
    event.default_language = "ar"
    event.save()

    report = participants_import(event=event, data=_csv("first_name,last_name,delegation", "Amina,Benali,MA"))

    assert report == ImportReport(created=1, updated=0, unchanged=0, problems=[])
    assert _registered(event) == [("MA", "delegate", "Amina", "Benali", "", "ar")]


def test_import_updates_participant_matched_by_email_in_any_case(event, morocco, france):
    moving = ParticipantFactory(event=event, delegation=morocco, first_name="Amina", last_name="Benali")
    same = ParticipantFactory(event=event, delegation=france, first_name="Jean", last_name="Dupont")
    data = _csv(
        HEADER,
        f"FR,adviser,Amina,Benali-Idrissi,{moving.email.upper()},ar",
        f"FR,delegate,Jean,Dupont,{same.email},en",
        "FR,delegate,Marie,Curie,marie.curie@example.org,fr",
    )

    report = participants_import(event=event, data=data)

    assert report == ImportReport(created=1, updated=1, unchanged=1, problems=[])
    assert _registered(event) == [
        ("FR", "adviser", "Amina", "Benali-Idrissi", moving.email, "ar"),
        ("FR", "delegate", "Jean", "Dupont", same.email, "en"),
        ("FR", "delegate", "Marie", "Curie", "marie.curie@example.org", "fr"),
    ]


def test_import_blank_cells_keep_what_an_updated_participant_has(event, morocco):
    known = ParticipantFactory(
        event=event, delegation=morocco, role=Role.ADVISER, language="fr", first_name="Amina", last_name="Benali"
    )

    report = participants_import(event=event, data=_csv(HEADER, f",,Amina,Idrissi,{known.email},"))

    assert report == ImportReport(created=0, updated=1, unchanged=0, problems=[])
    assert _registered(event) == [("MA", "adviser", "Amina", "Idrissi", known.email, "fr")]


def test_import_reads_excel_bom_and_semicolons(event, morocco):
    data = "\ufeffDelegation;First_Name;LAST_NAME;Email\r\nMA;Amina;Benali;amina@example.org\r\n".encode()

    report = participants_import(event=event, data=data)

    assert report == ImportReport(created=1, updated=0, unchanged=0, problems=[])
    assert _registered(event) == [("MA", "delegate", "Amina", "Benali", "amina@example.org", "en")]


def test_import_reads_quoted_commas_and_text_given_as_str(event, morocco):
    data = 'delegation,first_name,last_name\r\nMA,"Amina, Fatima","Ben Ali"\r\n'

    report = participants_import(event=event, data=data)

    assert report == ImportReport(created=1, updated=0, unchanged=0, problems=[])
    assert _registered(event) == [("MA", "delegate", "Amina, Fatima", "Ben Ali", "", "en")]


def test_import_keeps_arabic_names(event, morocco, europol):
    data = _csv(HEADER, "MA,delegate,أمينة,بنعلي,amina@example.org,ar", "يوروبول,observer,يان,فيسر,,ar")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(created=2, updated=0, unchanged=0, problems=[])
    assert _registered(event) == [
        ("MA", "delegate", "أمينة", "بنعلي", "amina@example.org", "ar"),
        ("", "observer", "يان", "فيسر", "", "ar"),
    ]


def test_import_skips_blank_lines_and_counts_rows_as_a_spreadsheet_does(event, morocco):
    data = _csv(HEADER, "MA,delegate,Amina,Benali,,", ",,,,,", "", "MA,chief,Youssef,Alaoui,,")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[
            ImportProblem(
                row=5,
                field="role",
                message="“chief” is not a role; the roles are "
                "head, alternate, delegate, adviser, observer, interpreter, liaison.",
            )
        ]
    )


def test_import_dry_run_counts_and_writes_nothing(event, morocco):
    known = ParticipantFactory(event=event, delegation=morocco, first_name="Amina", last_name="Benali")
    before = _registered(event)
    data = _csv(HEADER, f"MA,adviser,Amina,Benali,{known.email},ar", "MA,delegate,Youssef,Alaoui,,")

    report = participants_import(event=event, data=data, dry_run=True)

    assert report == ImportReport(created=1, updated=1, unchanged=0, problems=[])
    assert _registered(event) == before


def test_import_duplicate_email_in_file_is_refused_on_the_second_row(event, morocco):
    data = _csv(HEADER, "MA,delegate,Amina,Benali,amina@example.org,", "MA,delegate,Amina,B.,Amina@Example.org,")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[ImportProblem(row=3, field="email", message="Row 2 has this e-mail address already.")]
    )
    assert _registered(event) == []


def test_import_second_head_in_the_file_is_refused(event, morocco):
    data = _csv(HEADER, "MA,head,Amina,Benali,,", "MA,head,Youssef,Alaoui,,")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[ImportProblem(row=3, field="", message="This delegation already has a head.")]
    )
    assert _registered(event) == []


def test_import_head_for_a_delegation_that_has_one_is_refused(event, morocco):
    ParticipantFactory(event=event, delegation=morocco, role=Role.HEAD)
    before = _registered(event)

    report = participants_import(event=event, data=_csv(HEADER, "MA,head,Youssef,Alaoui,,"))

    assert report == ImportReport(
        problems=[ImportProblem(row=2, field="", message="This delegation already has a head.")]
    )
    assert _registered(event) == before


def test_import_head_without_delegation_is_refused(event):
    report = participants_import(event=event, data=_csv(HEADER, ",head,Amina,Benali,,"))

    assert report == ImportReport(
        problems=[ImportProblem(row=2, field="delegation", message="A head of delegation needs a delegation.")]
    )
    assert _registered(event) == []


def test_import_unknown_delegation_code_is_refused(event, morocco):
    data = _csv(HEADER, "MA,delegate,Amina,Benali,,", "BE,delegate,Jan,Peeters,,")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[
            ImportProblem(
                row=3,
                field="delegation",
                message="No delegation of this event has the country code or the name “BE”.",
            )
        ]
    )
    assert _registered(event) == []


def test_import_organisation_name_shared_by_two_delegations_is_refused(event, europol):
    DelegationFactory(event=event, kind=DelegationKind.OBSERVER, country="", organisation={"fr": "EUROPOL"})

    report = participants_import(event=event, data=_csv(HEADER, "europol,observer,Jan,Visser,,"))

    assert report == ImportReport(
        problems=[ImportProblem(row=2, field="delegation", message="Several delegations are named “europol”.")]
    )
    assert _registered(event) == []


def test_import_bad_language_is_refused(event, morocco):
    data = _csv(HEADER, "MA,delegate,Amina,Benali,,en", "MA,delegate,Hans,Müller,,de")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[
            ImportProblem(row=3, field="language", message="“de” is not a language code; the codes are ar, en, fr, es.")
        ]
    )
    assert _registered(event) == []


def test_import_bad_role_is_refused(event, morocco):
    data = _csv(HEADER, "MA,delegate,Amina,Benali,,", "MA,Chief,Youssef,Alaoui,,")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[
            ImportProblem(
                row=3,
                field="role",
                message="“Chief” is not a role; the roles are "
                "head, alternate, delegate, adviser, observer, interpreter, liaison.",
            )
        ]
    )
    assert _registered(event) == []


def test_import_reports_every_problem_of_a_row_and_of_the_file(event, morocco):
    known = ParticipantFactory(event=event, delegation=morocco, first_name="Amina", last_name="Benali")
    before = _registered(event)
    data = _csv(
        HEADER,
        f"XX,chief,Amina,,{known.email},de",
        "MA,delegate,,Alaoui,not-an-address,",
        f"MA,delegate,{'Y' * 101},Alaoui,,",
    )

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[
            ImportProblem(
                row=2,
                field="delegation",
                message="No delegation of this event has the country code or the name “XX”.",
            ),
            ImportProblem(
                row=2,
                field="role",
                message="“chief” is not a role; the roles are "
                "head, alternate, delegate, adviser, observer, interpreter, liaison.",
            ),
            ImportProblem(
                row=2, field="language", message="“de” is not a language code; the codes are ar, en, fr, es."
            ),
            ImportProblem(row=2, field="last_name", message="This field cannot be blank."),
            ImportProblem(row=3, field="first_name", message="This field cannot be blank."),
            ImportProblem(row=3, field="email", message="Enter a valid email address."),
            ImportProblem(
                row=4, field="first_name", message="Ensure this value has at most 100 characters (it has 101)."
            ),
        ]
    )
    assert _registered(event) == before


def test_import_reports_at_most_100_problems(event, morocco):
    data = _csv(HEADER, *(f"MA,chief,Amina,Benali{n},," for n in range(150)))

    report = participants_import(event=event, data=data)

    assert (len(report.problems), report.problems[0].row, report.problems[-1].row) == (100, 2, 101)
    assert (report.created, report.updated, report.unchanged, report.ok) == (0, 0, 0, False)
    assert _registered(event) == []


def test_import_missing_required_columns_are_named(event, morocco):
    report = participants_import(event=event, data=_csv("first_name,email", "Amina,amina@example.org"))

    assert report == ImportReport(
        problems=[
            ImportProblem(row=1, field="delegation", message="The column “delegation” is missing."),
            ImportProblem(row=1, field="last_name", message="The column “last_name” is missing."),
        ]
    )
    assert _registered(event) == []


def test_import_unknown_column_is_refused(event, morocco):
    data = _csv("delegation,first_name,last_name,Emial", "MA,Amina,Benali,amina@example.org")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[
            ImportProblem(
                row=1,
                field="emial",
                message="“emial” is not a column of a participant list; "
                "the columns are delegation, role, first_name, last_name, email, language.",
            )
        ]
    )
    assert _registered(event) == []


def test_import_column_given_twice_is_refused(event, morocco):
    data = _csv("delegation,first_name,last_name,EMAIL,email", "MA,Amina,Benali,a@example.org,b@example.org")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[ImportProblem(row=1, field="email", message="The column “email” appears twice.")]
    )
    assert _registered(event) == []


def test_import_value_under_no_column_name_is_refused(event, morocco):
    data = _csv("delegation,first_name,last_name,,", "MA,Amina,Benali,,", "MA,Youssef,Alaoui,,1990-01-01", "MA,X,Y,,,z")

    report = participants_import(event=event, data=data)

    message = "This row has a value in a column that the header row does not name."
    assert report == ImportReport(
        problems=[ImportProblem(row=3, field="", message=message), ImportProblem(row=4, field="", message=message)]
    )
    assert _registered(event) == []


@pytest.mark.parametrize("data", [b"", b"\r\n \r\n", b"\xef\xbb\xbf", ""], ids=["nothing", "blank", "bom", "str"])
def test_import_empty_file_is_refused(event, data):
    report = participants_import(event=event, data=data)

    assert report == ImportReport(problems=[ImportProblem(row=None, field="", message="The file is empty.")])
    assert _registered(event) == []


def test_import_header_without_rows_is_refused(event):
    report = participants_import(event=event, data=_csv(HEADER, ",,,,,"))

    assert report == ImportReport(
        problems=[ImportProblem(row=None, field="", message="The file has a header row but no participants.")]
    )


def test_import_bytes_that_are_not_utf8_are_refused(event, morocco):
    data = "delegation;first_name;last_name\r\nMA;Élodie;Benali\r\n".encode("cp1252")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[
            ImportProblem(row=None, field="", message="The file must be UTF-8 text (in Excel: Save as, CSV UTF-8).")
        ]
    )
    assert _registered(event) == []


def test_import_more_than_5000_rows_is_refused(event, morocco):
    data = _csv(HEADER, *(f"MA,delegate,Sam,Example{n},," for n in range(5_001)))

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[ImportProblem(row=None, field="", message="The file has more than 5,000 rows; import them in parts.")]
    )
    assert _registered(event) == []


def test_import_cell_too_large_for_csv_is_refused(event, morocco):
    data = _csv(HEADER, "MA,delegate,Amina,Benali,,", f"MA,delegate,{'x' * 200_000},Alaoui,,")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[ImportProblem(row=None, field="", message="The file cannot be read as CSV from its line 3 on.")]
    )
    assert _registered(event) == []


def test_import_renews_the_events_feeds_once_after_commit(event, morocco, django_capture_on_commit_callbacks):
    known = ParticipantFactory(event=event, delegation=morocco, first_name="Amina", last_name="Benali")
    feed = participant_feed(participant=known)
    feed_cache.token_state_set(feed.pk, {"version": 1, "live": True, "slug": event.slug})
    generation = feed_cache.generation(event.slug)
    data = _csv(HEADER, f"MA,adviser,Amina,Benali,{known.email},", "MA,,Youssef,Alaoui,,", "MA,,Sara,Idrissi,,")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = participants_import(event=event, data=data)

    assert (report.created, report.updated, len(callbacks)) == (2, 1, 1)
    assert feed_cache.token_state_get(feed.pk) is None
    assert feed_cache.generation(event.slug) != generation


def test_import_that_fails_leaves_nothing_to_do_after_commit(event, morocco, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        report = participants_import(event=event, data=_csv(HEADER, "MA,,Amina,Benali,,", "MA,chief,Sam,X,,"))

    assert (report.ok, callbacks) == (False, [])


# Queries of an import: a fixed number, whatever the number of rows. The check reads (5): what
# it starts from (participants and delegations summed up, 2), the delegations, the participants
# with the file's e-mail addresses, the heads of delegation. The write (5): its savepoint and
# release, the summary read again, one INSERT or UPDATE for all the rows.
CHECK = 5
WRITE = 5


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("existing", [False, True], ids=["created", "updated"])
def test_import_queries_do_not_grow_with_the_rows(event, morocco, rows, existing):
    for n in range(rows if existing else 0):
        ParticipantFactory(event=event, delegation=morocco, email=f"sam{n}@example.org")
    data = _csv(HEADER, *(f"MA,delegate,Sam,Imported{n},sam{n}@example.org,fr" for n in range(rows)))

    with CaptureQueriesContext(connection) as queries:
        report = participants_import(event=event, data=data)

    assert (report.created + report.updated, len(queries)) == (rows, CHECK + WRITE)


@pytest.mark.parametrize("rows", [1, 3])
def test_import_unchanged_rows_cost_no_query(event, morocco, rows):
    for n in range(rows):
        ParticipantFactory(event=event, delegation=morocco, first_name="Sam", last_name=f"Example{n}", language="en")
    data = _csv(HEADER, *(f"MA,delegate,Sam,Example{n},example{n}@example.org,en" for n in range(rows)))

    with CaptureQueriesContext(connection) as queries:
        report = participants_import(event=event, data=data)

    assert (report.unchanged, len(queries)) == (rows, CHECK)


@pytest.mark.parametrize("rows", [1, 3])
def test_import_check_only_reads(event, morocco, rows):
    data = _csv(HEADER, *(f"MA,delegate,Sam,Example{n},example{n}@example.org,en" for n in range(rows)))

    with CaptureQueriesContext(connection) as queries:
        report = participants_import(event=event, data=data, dry_run=True)

    assert report == ImportReport(created=rows, updated=0, unchanged=0, problems=[])
    assert [q["sql"].split()[0] for q in queries] == ["SELECT"] * CHECK


def test_import_head_replaced_by_a_later_row_is_accepted(event, morocco):
    old = ParticipantFactory(event=event, delegation=morocco, role=Role.HEAD, first_name="Amina", last_name="Benali")
    data = _csv(HEADER, f"MA,delegate,Amina,Benali,{old.email},", "MA,head,Youssef,Alaoui,youssef@example.org,")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(created=1, updated=1, unchanged=0, problems=[])
    assert _registered(event) == [
        ("MA", "delegate", "Amina", "Benali", old.email, "en"),
        ("MA", "head", "Youssef", "Alaoui", "youssef@example.org", "en"),
    ]


def test_import_heads_swapped_between_two_people_are_written_in_the_files_order(event, morocco):
    amina = ParticipantFactory(event=event, delegation=morocco, role=Role.HEAD, first_name="Amina", last_name="B")
    karim = ParticipantFactory(event=event, delegation=morocco, role=Role.ADVISER, first_name="Karim", last_name="T")
    data = _csv(HEADER, f"MA,adviser,Amina,B,{amina.email},", f"MA,head,Karim,T,{karim.email},")

    report = participants_import(event=event, data=data)

    assert report == ImportReport(created=0, updated=2, unchanged=0, problems=[])
    assert [row[1] for row in _registered(event)] == ["adviser", "head"]


def test_import_knows_every_constraint_of_a_participant():
    assert {c.name for c in Participant._meta.constraints} == CONSTRAINTS_CHECKED


def test_import_checks_again_when_participants_change_before_the_write(event, morocco):
    data = _csv(HEADER, "MA,head,Youssef,Alaoui,youssef@example.org,")
    plan = participants_import_check(event=event, data=data)
    ParticipantFactory(event=event, delegation=morocco, role=Role.HEAD)

    with pytest.raises(ImportOutdated):
        participants_import_write(event=event, plan=plan)
    report = participants_import(event=event, data=data)

    assert report == ImportReport(
        problems=[ImportProblem(row=2, field="", message="This delegation already has a head.")]
    )
    assert not Participant.objects.filter(email="youssef@example.org").exists()

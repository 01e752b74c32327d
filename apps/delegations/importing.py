"""Registering an event's participants from a CSV file, all or nothing
(docs/decisions/015-participant-import.md): checked without writing, then written at once
(docs/decisions/020-background-imports.md)."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Collection, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django_countries import countries

from apps.events.models import Event
from apps.kernel import i18n

from .enums import Role
from .models import Delegation, Participant
from .services import CONSTRAINTS_CHECKED_IN_BULK, DelegationHeads, participant_validate_in_bulk
from .signals import bulk_save, participants_bulk_saved

COLUMNS = ("delegation", "role", "first_name", "last_name", "email", "language")
REQUIRED_COLUMNS = ("delegation", "first_name", "last_name")
# Rows of one file: checked and written by a worker in a few seconds.
MAX_ROWS = 5_000
MAX_REPORTED_PROBLEMS = 100
# Existing participants are looked up by e-mail this many addresses per query.
_EMAILS_PER_QUERY = 1000
# Progress is told every this many rows checked.
PROGRESS_EVERY = 250
# Times a file is checked again when the participants changed between its check and its write.
MAX_CHECKS = 3
# Rows per INSERT or UPDATE statement.
_WRITE_BATCH = 500
# What an import sets on a participant it updates (the address only to its canonical case).
_UPDATED_FIELDS = ("delegation", "role", "first_name", "last_name", "email", "language", "updated_at")
# The constraints the import keeps without a query (read by the test that every one is).
CONSTRAINTS_CHECKED = CONSTRAINTS_CHECKED_IN_BULK

Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class ImportProblem:
    """What is wrong, and where: ``row`` as a spreadsheet numbers it (the header is row 1),
    None for the file as a whole; ``field`` the column, "" for the whole row or file."""

    row: int | None
    field: str
    message: str


@dataclasses.dataclass(frozen=True)
class ImportReport:
    """How many participants an import created, updated and found unchanged (all zero when
    there are problems: then nothing was written)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportOutdated(Exception):
    """The event's participants or delegations changed since the file was checked."""


@dataclasses.dataclass(frozen=True)
class ImportPlan:
    """What :func:`participants_import_check` found: the report, the participants to create
    and to update (validated, unsaved), the number of rows, and a summary of what the check
    read (``snapshot``), compared again by the write."""

    report: ImportReport
    snapshot: tuple[Any, ...]
    total: int
    creates: list[Participant] = dataclasses.field(default_factory=list)
    updates: list[Participant] = dataclasses.field(default_factory=list)


class _Problems:
    def __init__(self) -> None:
        self.items: list[ImportProblem] = []

    def add(self, row: int | None, field: str, message: str) -> None:
        if len(self.items) < MAX_REPORTED_PROBLEMS:
            self.items.append(ImportProblem(row=row, field=field, message=message))

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_REPORTED_PROBLEMS


@dataclasses.dataclass(frozen=True)
class _Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, str]  # by column name
    has_stray_value: bool  # in a column the header does not name


def participants_import(
    *, event: Event, data: bytes | str, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Register the participants of ``event`` listed in a CSV file, all or nothing.

    ``data`` is the file: UTF-8, with or without the byte-order mark that Excel writes,
    comma- or semicolon-separated, with a header row naming its columns in any order and
    case: ``delegation``, ``first_name`` and ``last_name`` are required, ``role``, ``email``
    and ``language`` optional; any other column is refused. ``delegation`` is the ISO
    country code of a member's delegation or an organisation's name in any language; it
    may be blank where the model allows (all roles but head).

    A row whose e-mail address is that of a participant of the event (in any case) updates
    that participant: a blank cell, or a column the file leaves out, keeps what they have. Any
    other row creates a participant: a delegate, in the event's default language, unless the
    row says otherwise. Rows are validated in order by the model's rules (``full_clean``, and
    its constraints: one head per delegation, one participant per e-mail address), each
    against the rows above it, by :func:`participants_import_check`, which writes nothing;
    then :func:`participants_import_write` writes them all in one short transaction.

    If anything is wrong (the file, its header, more than ``MAX_ROWS`` rows, any row), nothing
    is written, the counts are zero and ``problems`` lists what is wrong with its place, up to
    ``MAX_REPORTED_PROBLEMS``. With ``dry_run`` everything is validated and counted, and
    nothing written. Raises nothing for a bad file. ``progress(done, total)`` is called as
    rows are checked. When the event's participants or delegations change between the check
    and the write, the file is checked again (up to ``MAX_CHECKS`` times, then
    :class:`ImportOutdated` is raised). Sends ``participants_bulk_saved`` once for what it
    saved (the feeds app then renews the event's feeds once, after the commit).
    """
    for _attempt in range(MAX_CHECKS):
        plan = participants_import_check(event=event, data=data, progress=progress)
        if dry_run or not plan.report.ok:
            return plan.report
        try:
            return participants_import_write(event=event, plan=plan)
        except ImportOutdated:
            continue
    raise ImportOutdated


def participants_import_check(*, event: Event, data: bytes | str, progress: Progress | None = None) -> ImportPlan:
    """Validate a file as :func:`participants_import` does, and say what importing it would
    write, without writing: only reads, outside any transaction, so that on SQLite the check
    never holds the write lock, however long the file. ``progress(done, total)`` is called
    every ``PROGRESS_EVERY`` rows and at the end."""
    problems = _Problems()
    snapshot = _snapshot(event)
    rows = _rows_read(data, problems)
    if rows is None:
        return ImportPlan(report=ImportReport(problems=problems.items), snapshot=snapshot, total=0)
    counts, creates, updates = _rows_check(event=event, rows=rows, problems=problems, progress=progress)
    if progress is not None:
        progress(len(rows), len(rows))
    if problems.items:
        return ImportPlan(report=ImportReport(problems=problems.items), snapshot=snapshot, total=len(rows))
    report = ImportReport(created=counts["created"], updated=counts["updated"], unchanged=counts["unchanged"])
    return ImportPlan(
        report=report,
        snapshot=snapshot,
        total=len(rows),
        creates=creates,
        updates=updates,
    )


def participants_import_write(*, event: Event, plan: ImportPlan) -> ImportReport:
    """Write what :func:`participants_import_check` planned, in one transaction of bulk
    writes (a few queries, whatever the number of rows), and return its report.

    Raises :class:`ImportOutdated`, writing nothing, when the event's participants or
    delegations changed since the check read them: the file must be checked again. A
    constraint that a concurrent write breaks all the same raises ``IntegrityError`` and
    rolls everything back."""
    if not plan.report.ok:
        raise ValueError("A plan with problems is not written.")
    if not (plan.creates or plan.updates):
        return plan.report
    now = timezone.now()
    with transaction.atomic(), bulk_save():
        if _snapshot(event) != plan.snapshot:
            raise ImportOutdated
        for participant in plan.updates:
            participant.updated_at = now
        _update_in_order(plan.updates)
        Participant.objects.bulk_create(plan.creates, batch_size=_WRITE_BATCH)
        saved = [participant.pk for participant in [*plan.updates, *plan.creates]]
        participants_bulk_saved.send(sender=Participant, event=event, participant_ids=saved)
    return plan.report


def _update_in_order(participants: list[Participant]) -> None:
    """One UPDATE per participant, sent as one batch (``executemany``), in the file's order.

    The order is the one the check followed, so "one head per delegation" holds after each
    statement (a head replaced by a later row). ``bulk_update`` would write a CASE expression
    per column that SQLite evaluates row by row: 5,000 rows took 11 s, with the write lock
    held; this takes a fraction of a second.
    """
    if not participants:
        return
    meta = Participant._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    fields = [by_name[name] for name in _UPDATED_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Names from the model's own metadata, values as parameters (a format call: bandit misreads
    # the parts of an f-string).
    sql = "UPDATE {} SET {} WHERE {} = %s".format(quote(meta.db_table), assignments, quote(meta.pk.column))  # noqa: S608, UP032  # nosec B608
    params = [
        [field.get_db_prep_save(getattr(p, field.attname), connection) for field in fields] + [p.pk]
        for p in participants
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _snapshot(event: Event) -> tuple[Any, ...]:
    """What changes whenever a participant or delegation of the event is added, changed
    (through ``save``: ``updated_at``) or removed."""
    summary = {"n": Count("id"), "last": Max("updated_at"), "top": Max("id")}
    people = Participant.objects.filter(event=event).aggregate(**summary)
    delegations = Delegation.objects.filter(event=event).aggregate(**summary)
    return tuple(people.values()) + tuple(delegations.values())


def _rows_read(data: bytes | str, problems: _Problems) -> list[_Row] | None:
    """The file's rows with a value, or None with what is wrong with the file reported."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    except UnicodeDecodeError:
        problems.add(None, "", _("The file must be UTF-8 text (in Excel: Save as, CSV UTF-8)."))
        return None
    if not text.strip():
        problems.add(None, "", _("The file is empty."))
        return None

    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = enumerate(reader, start=1)
    try:
        _number, header = next(records)
        columns = _columns(header, problems)
        if columns is None:
            return None
        rows = list(_rows_with_values(records, columns))
    except csv.Error:
        message = _("The file cannot be read as CSV from its line %(line)s on.") % {"line": reader.line_num}
        problems.add(None, "", message)
        return None
    except _TooManyRows:
        limit = number_format(MAX_ROWS, force_grouping=True)
        problems.add(None, "", _("The file has more than %(limit)s rows; import them in parts.") % {"limit": limit})
        return None
    if not rows:
        problems.add(None, "", _("The file has a header row but no participants."))
        return None
    return rows


def _columns(header: list[str], problems: _Problems) -> dict[int, str] | None:
    """Column names by position; columns without a name are left out."""
    columns: dict[int, str] = {}
    for position, raw in enumerate(header):
        name = i18n.clean_text(raw).casefold()
        if not name:
            continue
        if name not in COLUMNS:
            message = _("“%(name)s” is not a column of a participant list; the columns are %(columns)s.")
            problems.add(1, name, message % {"name": name, "columns": ", ".join(COLUMNS)})
        elif name in columns.values():
            problems.add(1, name, _("The column “%(name)s” appears twice.") % {"name": name})
        else:
            columns[position] = name
    for name in REQUIRED_COLUMNS:
        if name not in columns.values():
            problems.add(1, name, _("The column “%(name)s” is missing.") % {"name": name})
    return None if problems.items else columns


class _TooManyRows(Exception):
    pass


def _rows_with_values(records: Iterator[tuple[int, list[str]]], columns: dict[int, str]) -> Iterator[_Row]:
    count = 0
    for number, cells in records:
        cells = [i18n.clean_text(cell) for cell in cells]
        if not any(cells):
            continue  # a blank line, as spreadsheets leave at the end
        count += 1
        if count > MAX_ROWS:
            raise _TooManyRows
        yield _Row(
            number=number,
            values={name: cells[position] if position < len(cells) else "" for position, name in columns.items()},
            has_stray_value=any(cell for position, cell in enumerate(cells) if position not in columns),
        )


class _Delegations:
    """The event's delegations, found by country code or organisation name, read once."""

    def __init__(self, event: Event) -> None:
        self.by_id: dict[int, Delegation] = {}
        self.by_country: dict[str, Delegation] = {}
        self.by_name: dict[str, dict[int, Delegation]] = {}
        for delegation in Delegation.objects.filter(event=event):
            delegation.event = event
            self.by_id[delegation.pk] = delegation
            if delegation.country:
                self.by_country[delegation.country.code] = delegation
            for name in (delegation.organisation or {}).values():
                self.by_name.setdefault(_name_key(name), {})[delegation.pk] = delegation

    def find(self, value: str) -> Delegation:
        """Raises ``ValueError`` with the message to show."""
        code = countries.alpha2(value)  # MA, ma, MAR or 504; "" for anything else
        if code in self.by_country:
            return self.by_country[code]
        named = list(self.by_name.get(_name_key(value), {}).values())
        if len(named) == 1:
            return named[0]
        if named:
            raise ValueError(_("Several delegations are named “%(value)s”.") % {"value": value})
        raise ValueError(
            _("No delegation of this event has the country code or the name “%(value)s”.") % {"value": value}
        )


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _participants_by_email(
    *, event: Event, emails: Collection[str], delegations: _Delegations
) -> dict[str, Participant]:
    """The event's participants with these (lower-case) addresses, in any case."""
    found: dict[str, Participant] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), _EMAILS_PER_QUERY):
        chunk = ordered[start : start + _EMAILS_PER_QUERY]
        matching = (
            Participant.objects.filter(event=event)
            .exclude(email="")
            .annotate(email_key=Lower("email"))
            .filter(email_key__in=chunk)
        )
        for participant in matching:
            # Known already: validating and saving need not read them again.
            participant.event = event
            if participant.delegation_id is not None:
                participant.delegation = delegations.by_id[participant.delegation_id]
            found[participant.email.lower()] = participant
    return found


def _rows_check(
    *, event: Event, rows: list[_Row], problems: _Problems, progress: Progress | None
) -> tuple[dict[str, int], list[Participant], list[Participant]]:
    """Validate the rows in order, each against the rows above; return the counts and the
    participants to create and to update, in the file's order."""
    delegations = _Delegations(event)
    emails = {row.values.get("email", "").lower() for row in rows} - {""}
    existing = _participants_by_email(event=event, emails=emails, delegations=delegations)
    heads = DelegationHeads(event)
    first_row_of: dict[str, int] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    creates: list[Participant] = []
    updates: list[Participant] = []

    for done, row in enumerate(rows, start=1):
        if problems.full:
            break
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(rows))
        email = row.values.get("email", "").lower()
        participant = existing.get(email) if email else None
        is_new = participant is None
        if participant is None:
            participant = Participant(event=event, role=Role.DELEGATE, language=event.default_language)
        data, row_problems = _row_data(row.values, delegations=delegations)
        if is_new:
            data["email"] = email
        if email in first_row_of:
            message = _("Row %(row)s has this e-mail address already.") % {"row": first_row_of[email]}
            row_problems["email"] = message
        elif email:
            first_row_of[email] = row.number

        if row.has_stray_value:
            problems.add(row.number, "", _("This row has a value in a column that the header row does not name."))
        if row.has_stray_value or row_problems:
            for name in COLUMNS:
                if name in row_problems:
                    problems.add(row.number, name, row_problems[name])
            _report_other_problems(
                row.number, participant, data, known=row_problems.keys(), heads=heads, problems=problems
            )
        elif not is_new and _is_unchanged(participant, data):
            counts["unchanged"] += 1
        else:
            for name, value in data.items():
                setattr(participant, name, value)
            try:
                participant_validate_in_bulk(participant, heads=heads)
            except ValidationError as exc:
                _report(row.number, exc, problems=problems)
            else:
                heads.take(participant)
                counts["created" if is_new else "updated"] += 1
                (creates if is_new else updates).append(participant)
    return counts, creates, updates


def _row_data(values: dict[str, str], *, delegations: _Delegations) -> tuple[dict[str, Any], dict[str, str]]:
    """A row's values as participant fields, and what is wrong with the cells that the
    model cannot check itself (a delegation not found) or would explain less well (a role
    or language that is not one of its choices). A blank delegation, role or language gives
    no field: a new participant has the default, an updated one keeps theirs."""
    data: dict[str, Any] = {"first_name": values["first_name"], "last_name": values["last_name"]}
    problems: dict[str, str] = {}
    if values["delegation"]:
        try:
            data["delegation"] = delegations.find(values["delegation"])
        except ValueError as exc:
            problems["delegation"] = str(exc)
    role = values.get("role", "")
    if role.casefold() in Role.values:
        data["role"] = role.casefold()
    elif role:
        message = _("“%(value)s” is not a role; the roles are %(roles)s.")
        problems["role"] = message % {"value": role, "roles": ", ".join(Role.values)}
    language = values.get("language", "")
    languages = [code for code, _name in settings.LANGUAGES]
    if language.lower() in languages:
        data["language"] = language.lower()
    elif language:
        message = _("“%(value)s” is not a language code; the codes are %(codes)s.")
        problems["language"] = message % {"value": language, "codes": ", ".join(languages)}
    return data, problems


def _is_unchanged(participant: Participant, data: dict[str, Any]) -> bool:
    def current(name: str) -> Any:
        return participant.delegation_id if name == "delegation" else getattr(participant, name)

    return all(current(name) == (value.pk if isinstance(value, Delegation) else value) for name, value in data.items())


def _report_other_problems(
    number: int,
    participant: Participant,
    data: dict[str, Any],
    *,
    known: Collection[str],
    heads: DelegationHeads,
    problems: _Problems,
) -> None:
    """Whatever else the model finds wrong with a row that will not be saved."""
    for name, value in data.items():
        setattr(participant, name, value)
    try:
        participant_validate_in_bulk(participant, heads=heads, exclude=set(known))
    except ValidationError as exc:
        _report(number, exc, problems=problems, skip=known)


def _report(number: int, exc: ValidationError, *, problems: _Problems, skip: Collection[str] = ()) -> None:
    for name, messages in exc.message_dict.items():
        if name in skip:
            continue
        for message in messages:
            problems.add(number, "" if name == NON_FIELD_ERRORS else name, message)

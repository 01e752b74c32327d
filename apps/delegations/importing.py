"""Registering an event's participants from a CSV file, all or nothing
(docs/decisions/015-participant-import.md)."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Collection, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django_countries import countries

from apps.events.models import Event
from gaplanner import i18n

from .enums import Role
from .models import Delegation, Participant
from .services import participant_save
from .signals import bulk_save, participants_bulk_saved

COLUMNS = ("delegation", "role", "first_name", "last_name", "email", "language")
REQUIRED_COLUMNS = ("delegation", "first_name", "last_name")
# Rows of one file: about 11 s of checking and saving on SQLite, within a web request's time.
MAX_ROWS = 5_000
MAX_REPORTED_PROBLEMS = 100
# Existing participants are looked up by e-mail this many addresses per query.
_EMAILS_PER_QUERY = 1000


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


def participants_import(*, event: Event, data: bytes | str, dry_run: bool = False) -> ImportReport:
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
    row says otherwise. Rows are validated by the model's rules (``full_clean``: one head per
    delegation, one participant per e-mail address) and saved in order in one transaction.

    If anything is wrong (the file, its header, more than ``MAX_ROWS`` rows, any row), nothing
    is written, the counts are zero and ``problems`` lists what is wrong with its place, up to
    ``MAX_REPORTED_PROBLEMS``. With ``dry_run`` everything is validated and counted, then
    rolled back. Raises nothing for a bad file. Sends ``participants_bulk_saved`` once for
    what it saved (the feeds app then renews the event's feeds once, after the commit).
    """
    problems = _Problems()
    rows = _rows_read(data, problems)
    if rows is None:
        return ImportReport(problems=problems.items)

    with transaction.atomic(), bulk_save():
        counts, saved = _rows_save(event=event, rows=rows, problems=problems)
        if problems.items or dry_run:
            transaction.set_rollback(True)
        elif saved:
            participants_bulk_saved.send(sender=Participant, event=event, participant_ids=saved)
    if problems.items:
        return ImportReport(problems=problems.items)
    return ImportReport(created=counts["created"], updated=counts["updated"], unchanged=counts["unchanged"])


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


def _rows_save(*, event: Event, rows: list[_Row], problems: _Problems) -> tuple[dict[str, int], list[int]]:
    """Validate and save the rows in order; return the counts and the ids saved."""
    delegations = _Delegations(event)
    emails = {row.values.get("email", "").lower() for row in rows} - {""}
    existing = _participants_by_email(event=event, emails=emails, delegations=delegations)
    first_row_of: dict[str, int] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    saved: list[int] = []

    for row in rows:
        if problems.full:
            break
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
            _report_other_problems(row.number, participant, data, known=row_problems.keys(), problems=problems)
        elif not is_new and _is_unchanged(participant, data):
            counts["unchanged"] += 1
        else:
            try:
                participant_save(participant=participant, data=data)
            except ValidationError as exc:
                _report(row.number, exc, problems=problems)
            else:
                counts["created" if is_new else "updated"] += 1
                saved.append(participant.pk)
    return counts, saved


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
    number: int, participant: Participant, data: dict[str, Any], *, known: Collection[str], problems: _Problems
) -> None:
    """Whatever else the model finds wrong with a row that will not be saved."""
    for name, value in data.items():
        setattr(participant, name, value)
    try:
        participant.full_clean(exclude=set(known))
    except ValidationError as exc:
        _report(number, exc, problems=problems, skip=known)


def _report(number: int, exc: ValidationError, *, problems: _Problems, skip: Collection[str] = ()) -> None:
    for name, messages in exc.message_dict.items():
        if name in skip:
            continue
        for message in messages:
            problems.add(number, "" if name == NON_FIELD_ERRORS else name, message)

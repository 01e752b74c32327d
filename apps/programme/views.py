from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.delegations.api import MyRegistrationMixin
from apps.delegations.models import Delegation, Participant
from apps.delegations.selectors import Principal
from apps.events.api import EventMixin, EventResourceViewSet, OrganizersOnly
from apps.kernel.api import Pagination, StrictFieldsMixin

from .conflicts import ScheduleWarning, warnings_for_session
from .filters import SessionFilter
from .models import AuditEntry, ScheduleVersion, Session
from .selectors import (
    audit_entries_of_event,
    changes_page_visible_to,
    sessions_expecting,
    sessions_visible_to,
    version_summaries_of_event,
    versions_of_event,
)
from .serializers import (
    AuditEntrySerializer,
    PublishSerializer,
    ScheduleVersionSerializer,
    ScheduleVersionSummarySerializer,
    SessionSerializer,
)
from .services import (
    agenda_add,
    agenda_remove,
    schedule_changes,
    schedule_publish,
    session_cancel,
    session_delete,
    session_save,
)
from .warnings_summary import (
    CHANGE_KINDS,
    WARNING_KINDS,
    Summary,
    changes_chosen,
    changes_summarised,
    publication_warnings_kept,
    warnings_chosen,
    warnings_kept,
    warnings_summarised,
)

# The largest number a version's PositiveIntegerField holds on every database.
VERSION_NUMBER_MAX = 2**31 - 1
# Entries a page of changes/ holds, unless the client asks for fewer (or more, up to the most).
CHANGES_PAGE_SIZE = 200
CHANGES_PAGE_SIZE_MAX = 1000


def _warnings_of(session: Session) -> list[dict[str, Any]]:
    return [w.as_dict() for w in warnings_for_session(session=session)]


def _with_relations(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.select_related("room").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.only("id")),
        Prefetch("delegations", queryset=Delegation.objects.only("id")),
    )


class SessionViewSet(EventResourceViewSet):
    """The sessions of an event that the caller may see, addressed by their stable ``code``."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    lookup_field = "code"
    lookup_value_regex = "[A-Z0-9-]+"

    def visible_queryset(self) -> QuerySet[Session]:
        return _with_relations(sessions_visible_to(self.principal)).order_by("start", "code")

    def save_object(self, instance: Session | None, data: dict[str, Any]) -> Session:
        return session_save(session=instance or Session(event=self.event), data=data)

    def delete_object(self, instance: Session) -> None:
        session_delete(session=instance)

    def perform_create(self, serializer: serializers.BaseSerializer[Session]) -> None:
        super().perform_create(serializer)  # sets the instance to the session saved
        serializer.context["warnings"] = _warnings_of(cast(Session, serializer.instance))

    def perform_update(self, serializer: serializers.BaseSerializer[Session]) -> None:
        super().perform_update(serializer)
        serializer.context["warnings"] = _warnings_of(cast(Session, serializer.instance))

    @extend_schema(request=None, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel the session: it stays in the programme, marked cancelled."""
        self.written_instance = session = session_cancel(session=self.get_object())
        return Response(self.get_serializer(session).data)


class AgendaChoiceSerializer(StrictFieldsMixin, serializers.Serializer):
    session = serializers.CharField(max_length=32, help_text="The code of a session the caller may see.")


class MyAgendaViewSet(MyRegistrationMixin, viewsets.GenericViewSet):
    """The caller's agenda: the sessions whose audience expects them (every participant,
    every member delegation, them, their delegation or role), and those they added.

    ``POST`` ``{"session": code}`` adds a session they may see (404 if they may not, 409 if
    it is cancelled); ``DELETE me/agenda/{code}/`` takes out one they added (409 for one
    their audience expects them at)."""

    serializer_class = SessionSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = SessionFilter
    lookup_field = "code"
    lookup_value_regex = "[A-Z0-9-]+"

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return AgendaChoiceSerializer if self.action == "create" else SessionSerializer

    def _participant_principal(self) -> Principal:
        self.my_participant()  # 404 unless a participant
        return self.principal

    def get_queryset(self) -> QuerySet[Session]:
        if getattr(self, "swagger_fake_view", False):
            return Session.objects.none()
        self.my_participant()  # 404 unless a participant
        return _with_relations(sessions_expecting(self.principal)).order_by("start", "code")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=AgendaChoiceSerializer, responses={201: SessionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        principal = self._participant_principal()
        data = AgendaChoiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = agenda_add(principal=principal, code=data.validated_data["session"])
        session = _with_relations(Session.objects.filter(pk=session.pk)).get()
        return Response(SessionSerializer(session, context=self.get_serializer_context()).data, status=201)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agenda_remove(principal=self._participant_principal(), code=kwargs["code"])
        return Response(status=204)


# One class for every place a warning appears in the schema: drf-spectacular names components
# by class, and two classes named "Warning" would make two conflicting components.
_WARNING = type(
    inline_serializer(
        "Warning",
        {
            "kind": serializers.ChoiceField(choices=list(WARNING_KINDS)),
            "message": serializers.CharField(),
            "sessions": serializers.ListField(child=serializers.CharField()),
            "people": serializers.ListField(child=serializers.CharField(), help_text="The first ten, by name."),
            "people_count": serializers.IntegerField(),
            "involves_head": serializers.BooleanField(),
        },
    )
)


def _warning() -> serializers.Serializer:
    return _WARNING()


def _paged_summary(name: str, item: Callable[[], serializers.Field]) -> serializers.Serializer:
    """The schema of a list summarised by kind and paged."""
    kind = inline_serializer(
        f"{name}Kind",
        {
            "kind": serializers.CharField(),
            "label": serializers.CharField(),
            "count": serializers.IntegerField(),
            "involving_heads": serializers.IntegerField(),
            "first": serializers.ListField(child=item()),
        },
    )
    summary = inline_serializer(
        f"{name}Summary",
        {
            "count": serializers.IntegerField(),
            "involving_heads": serializers.IntegerField(),
            "kinds": serializers.ListField(child=kind),
        },
    )
    return inline_serializer(
        name,
        {
            "summary": summary,
            "count": serializers.IntegerField(help_text="Items of the kind asked (all kinds when none)."),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializers.ListField(child=item()),
        },
    )


class _WarningsPages(Pagination):
    page_query_param = "warnings_page"


def _chosen(request: Request, name: str, choices: Mapping[str, Any]) -> str:
    """The query's ``name``, one of ``choices`` or empty; anything else is a 400."""
    value = request.query_params.get(name, "")
    if value and value not in choices:
        raise exceptions.ValidationError({name: [f"Choose one of: {', '.join(choices)}."]})
    return value


def _paged(
    view: APIView, summary: Summary, items: Sequence[Any], as_dict: Callable[[Any], dict[str, Any]], param: str
) -> dict[str, Any]:
    """``summary`` and a page of ``items`` (``param`` names the page in the query)."""
    pages = Pagination() if param == "page" else _WarningsPages()
    page = pages.paginate_queryset(cast(Any, items), view.request, view) or []
    return {
        "summary": {
            "count": summary.count,
            "involving_heads": summary.involving_heads,
            "kinds": [
                {
                    "kind": k.kind,
                    "label": k.label,
                    "count": k.count,
                    "involving_heads": k.involving_heads,
                    "first": [as_dict(item) for item in k.first],
                }
                for k in summary.kinds
            ],
        },
        **pages.get_paginated_response([as_dict(item) for item in page]).data,
    }


class PublishView(EventMixin, APIView):
    """Preview (GET) and publish (POST) the working schedule as the next version."""

    permission_classes = [OrganizersOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=list(CHANGE_KINDS), description="Changes of this kind only."),
            OpenApiParameter("page", int, description="A page of the changes."),
            OpenApiParameter("warnings_kind", str, enum=list(WARNING_KINDS), description="Warnings of this kind only."),
            OpenApiParameter("warnings_page", int, description="A page of the warnings."),
            OpenApiParameter("page_size", int, description="Items a page (50; at most 200), for both lists."),
        ],
        responses=inline_serializer(
            "PublishPreview",
            {
                "changes": _paged_summary("PublishChanges", serializers.DictField),
                "warnings": _paged_summary("PublishWarnings", _warning),
            },
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What publishing now would change, and the warnings it asks to confirm (those naming
        a session it adds, moves or changes): each summarised by kind (counts, the first
        items) and paged (``count``, ``next``, ``previous``, ``results``)."""
        changes = schedule_changes(event=self.event)
        warnings = publication_warnings_kept(event=self.event, changes=changes)
        kind = _chosen(request, "kind", CHANGE_KINDS)
        warnings_kind = _chosen(request, "warnings_kind", WARNING_KINDS)
        return Response(
            {
                "changes": _paged(
                    self,
                    changes_summarised(changes),
                    changes_chosen(changes, kind=kind),
                    lambda entry: entry,
                    "page",
                ),
                "warnings": _paged(
                    self,
                    warnings_summarised(warnings),
                    warnings_chosen(warnings, kind=warnings_kind),
                    ScheduleWarning.as_dict,
                    "warnings_page",
                ),
            }
        )

    @extend_schema(request=PublishSerializer, responses={201: ScheduleVersionSummarySerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = schedule_publish(
            event=self.event,
            note=data.validated_data.get("note", ""),
            actor=request.user,
            confirm_warnings=data.validated_data["confirm_warnings"],
        )
        # The summary, as the versions list gives it: the whole programme's changes would be
        # megabytes at 5,000 sessions; they are a request away (``url``, ``changes/``).
        summary = version_summaries_of_event(event=self.event).get(pk=version.pk)
        context = {"request": request, "event": self.event, "principal": self.principal}
        answer = ScheduleVersionSummarySerializer(summary, context=context).data
        return Response(answer, status=201, headers={"Location": answer["url"]})


class ScheduleVersionViewSet(EventMixin, viewsets.ReadOnlyModelViewSet):
    """Published versions of the programme, newest first: the list pages summaries (for
    organizers, the number of changes of each kind and of warnings); a version's detail holds
    its changes as the caller may see them (and, for organizers, its warnings)."""

    serializer_class = ScheduleVersionSerializer
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ScheduleVersionSummarySerializer if self.action == "list" else ScheduleVersionSerializer

    def get_queryset(self) -> QuerySet[ScheduleVersion]:
        if getattr(self, "swagger_fake_view", False):
            return ScheduleVersion.objects.none()
        if self.action == "list":
            return version_summaries_of_event(event=self.event)
        return versions_of_event(event=self.event)


def _version_number(request: Request, name: str, default: str | None = None) -> int | None:
    raw = request.query_params.get(name, default)
    if raw is None:
        return None
    # Bounded before int(): 5,000 digits would overflow the database's integer.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= VERSION_NUMBER_MAX):
        raise exceptions.ValidationError({name: ["Enter a version number."]})
    return int(raw)


def _changes_after(request: Request) -> tuple[int, int] | None:
    raw = request.query_params.get("after")
    if raw is None:
        return None
    version, _colon, position = raw.partition(":")
    if not all(p.isascii() and p.isdigit() and len(p) <= 10 for p in (version, position)) or (
        int(version) > VERSION_NUMBER_MAX or int(position) > VERSION_NUMBER_MAX
    ):
        raise exceptions.ValidationError({"after": ["Use the after= of a next link."]})
    return int(version), int(position)


def _page_size(request: Request) -> int:
    raw = request.query_params.get("page_size", str(CHANGES_PAGE_SIZE))
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5 and int(raw) >= 1):
        raise exceptions.ValidationError({"page_size": ["Enter a whole number from 1."]})
    return min(int(raw), CHANGES_PAGE_SIZE_MAX)


class ChangesView(EventMixin, APIView):
    """What changed in the published programme after version ``since``, oldest first, in
    pages: follow ``next`` until it is null, then ask again with ``since`` = ``version``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("since", int, required=False, description="A version number (default 0)."),
            OpenApiParameter(
                "until",
                int,
                required=False,
                description="The last version to cover (default: the last published); next links carry it.",
            ),
            OpenApiParameter(
                "after",
                str,
                required=False,
                description="Where a page starts: the after= of a next link (version:position).",
            ),
            OpenApiParameter(
                "page_size",
                int,
                required=False,
                description=f"Entries a page ({CHANGES_PAGE_SIZE}; at most {CHANGES_PAGE_SIZE_MAX}).",
            ),
        ],
        responses=inline_serializer(
            "Changes",
            {
                "since": serializers.IntegerField(),
                "version": serializers.IntegerField(
                    allow_null=True, help_text="The last version these pages cover: the next since."
                ),
                "changes": serializers.ListField(child=serializers.DictField()),
                "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
            },
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        since = _version_number(request, "since", "0") or 0
        page = changes_page_visible_to(
            self.principal,
            event=self.event,
            since=since,
            until=_version_number(request, "until"),
            after=_changes_after(request),
            limit=_page_size(request),
        )
        following = None
        if page.after is not None:
            query = request.query_params.copy()
            query["since"], query["until"], query["after"] = str(since), str(page.until), "{}:{}".format(*page.after)
            following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"since": since, "version": page.until, "changes": page.entries, "next": following})


class ConflictsView(EventMixin, APIView):
    """The warnings of the working schedule, in the caller's language: a summary (counts by
    kind, those involving a head of delegation, the first of each kind) and every warning by
    pages, of one kind (``?kind=``) or naming one session (``?session=``) if asked."""

    permission_classes = [OrganizersOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=list(WARNING_KINDS), description="Warnings of this kind only."),
            OpenApiParameter("session", str, description="Warnings naming this session (its code) only."),
            OpenApiParameter("page", int, description="A page of the warnings."),
            OpenApiParameter("page_size", int, description="Warnings a page (50; at most 200)."),
        ],
        responses=_paged_summary("Conflicts", _warning),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        warnings = warnings_kept(event=self.event)
        chosen = warnings_chosen(
            warnings,
            kind=_chosen(request, "kind", WARNING_KINDS),
            session=request.query_params.get("session", "")[:32],
        )
        return Response(_paged(self, warnings_summarised(warnings), chosen, ScheduleWarning.as_dict, "page"))


class AuditEntryViewSet(EventMixin, viewsets.ReadOnlyModelViewSet):
    """The schedule's audit log, newest first: who changed what, when, through what."""

    serializer_class = AuditEntrySerializer
    permission_classes = [OrganizersOnly]
    filterset_fields = ["code", "action", "channel"]

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        return audit_entries_of_event(event=self.event)

"""``/api/v1/``: one router for every resource."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.accounts.views import ApiTokenViewSet, MeView, TokenObtainView
from apps.delegations.imports_api import (
    ParticipantImportApplyView,
    ParticipantImportCreateView,
    ParticipantImportDetailView,
)
from apps.delegations.views import DelegationViewSet, MyProfileView, ParticipantViewSet
from apps.events.views import EventViewSet, RoomViewSet, VenueViewSet
from apps.feeds.api import MyFeedsView, RotateFeedView
from apps.notifications.api import MyRemindersView
from apps.notifications.webhooks.api import WebhookDeliveryViewSet, WebhookViewSet
from apps.programme.views import (
    AuditEntryViewSet,
    ChangesView,
    ConflictsView,
    MyAgendaViewSet,
    PublishView,
    ScheduleVersionViewSet,
    SessionViewSet,
)

app_name = "api"

EVENT = r"events/(?P<event_slug>[-a-zA-Z0-9_]+)"

router = DefaultRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="token")
router.register("events", EventViewSet, basename="event")
router.register(f"{EVENT}/venues", VenueViewSet, basename="venue")
router.register(f"{EVENT}/rooms", RoomViewSet, basename="room")
router.register(f"{EVENT}/delegations", DelegationViewSet, basename="delegation")
router.register(f"{EVENT}/participants", ParticipantViewSet, basename="participant")
router.register(f"{EVENT}/sessions", SessionViewSet, basename="session")
router.register(f"{EVENT}/me/agenda", MyAgendaViewSet, basename="my-agenda")
router.register(f"{EVENT}/versions", ScheduleVersionViewSet, basename="version")
router.register(f"{EVENT}/audit", AuditEntryViewSet, basename="audit")
router.register(f"{EVENT}/webhooks", WebhookViewSet, basename="webhook")
router.register(
    rf"{EVENT}/webhooks/(?P<webhook_id>[0-9]+)/deliveries", WebhookDeliveryViewSet, basename="webhook-delivery"
)

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("me/", MeView.as_view(), name="me"),
    path(
        "events/<slug:event_slug>/me/",
        MyProfileView.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="my-profile",
    ),
    path("events/<slug:event_slug>/me/feeds/", MyFeedsView.as_view(), name="my-feeds"),
    path("events/<slug:event_slug>/me/feeds/rotate/", RotateFeedView.as_view(), name="my-feeds-rotate"),
    path("events/<slug:event_slug>/me/reminders/", MyRemindersView.as_view(), name="my-reminders"),
    path(
        "events/<slug:event_slug>/participants/<int:participant_id>/feeds/rotate/",
        RotateFeedView.as_view(),
        name="participant-feeds-rotate",
    ),
    path("events/<slug:event_slug>/imports/", ParticipantImportCreateView.as_view(), name="participant-imports"),
    path(
        "events/<slug:event_slug>/imports/<int:job_id>/",
        ParticipantImportDetailView.as_view(),
        name="participant-import",
    ),
    path(
        "events/<slug:event_slug>/imports/<int:job_id>/apply/",
        ParticipantImportApplyView.as_view(),
        name="participant-import-apply",
    ),
    path("events/<slug:event_slug>/publish/", PublishView.as_view(), name="publish"),
    path("events/<slug:event_slug>/changes/", ChangesView.as_view(), name="changes"),
    path("events/<slug:event_slug>/conflicts/", ConflictsView.as_view(), name="conflicts"),
    *router.urls,
]

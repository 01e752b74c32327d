"""``/api/v1/``: one router for every resource."""

from rest_framework.routers import DefaultRouter

from apps.events.views import EventViewSet
from apps.programme.views import SessionViewSet

app_name = "api"

router = DefaultRouter()
router.register("events", EventViewSet, basename="event")
router.register(r"events/(?P<event_slug>[-a-zA-Z0-9_]+)/sessions", SessionViewSet, basename="session")

urlpatterns = router.urls

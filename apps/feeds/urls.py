import datetime as dt

from django.urls import path, register_converter

from . import views

app_name = "feeds"


class DayConverter:
    """A calendar day written ``YYYY-MM-DD``; a day that does not exist matches no route (404)."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)  # its ValueError makes the route not match

    def to_url(self, value: dt.date | str) -> str:
        return value.isoformat() if isinstance(value, dt.date) else value


register_converter(DayConverter, "day")

urlpatterns: list = [
    path("events/<slug:event_slug>/feeds/public.ics", views.public_feed, name="public"),
    path("events/<slug:event_slug>/feeds/rooms/<int:room_id>.ics", views.public_feed, name="room"),
    path("events/<slug:event_slug>/feeds/kinds/<slug:kind>.ics", views.public_feed, name="kind"),
    path("events/<slug:event_slug>/feeds/days/<day:day>.ics", views.public_feed, name="day"),
    path("feeds/<int:feed_id>/<str:token>.ics", views.token_feed, name="token"),
    path("events/<slug:event_slug>/sessions/<str:code>/calendar.ics", views.session_download, name="session"),
    path("events/<slug:event_slug>/schedule.json", views.frab_json_export, name="frab-json"),
    path("events/<slug:event_slug>/schedule.xml", views.frab_xml_export, name="frab-xml"),
]

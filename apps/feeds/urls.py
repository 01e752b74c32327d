from django.urls import path

from . import views

app_name = "feeds"

urlpatterns: list = [
    path("events/<slug:event_slug>/feeds/public.ics", views.public_feed, name="public"),
    path("events/<slug:event_slug>/feeds/rooms/<int:room_id>.ics", views.public_feed, name="room"),
    path("events/<slug:event_slug>/feeds/kinds/<slug:kind>.ics", views.public_feed, name="kind"),
    path("feeds/<int:feed_id>/<str:token>.ics", views.token_feed, name="token"),
    path("events/<slug:event_slug>/sessions/<str:code>/calendar.ics", views.session_download, name="session"),
    path("events/<slug:event_slug>/schedule.json", views.frab_json_export, name="frab-json"),
    path("events/<slug:event_slug>/schedule.xml", views.frab_xml_export, name="frab-xml"),
]

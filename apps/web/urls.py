from django.urls import path

from . import organizer, reminders, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("events/<slug:event_slug>/", views.programme, name="programme"),
    path("events/<slug:event_slug>/sessions/<str:code>/", views.session_detail, name="session"),
    path("events/<slug:event_slug>/me/reminders/", reminders.my_reminders, name="my-reminders"),
    path("events/<slug:event_slug>/organize/", organizer.grid, name="organizer-grid"),
    path("events/<slug:event_slug>/organize/sessions/<str:code>/move/", organizer.move, name="organizer-move"),
    path("events/<slug:event_slug>/organize/conflicts/", organizer.conflicts, name="organizer-conflicts"),
    path("events/<slug:event_slug>/organize/publish/", organizer.publish, name="organizer-publish"),
    path("events/<slug:event_slug>/organize/audit/", organizer.audit, name="organizer-audit"),
]

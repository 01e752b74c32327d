from django.urls import path

from . import agenda, organizer, reminders, sign_in, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/email-link/", sign_in.email_link_request, name="email-link"),
    path("accounts/email-link/sent/", sign_in.email_link_sent, name="email-link-sent"),
    path("accounts/email-link/<str:token>/", sign_in.email_link_use, name="email-link-use"),
    path("events/<slug:event_slug>/", views.programme, name="programme"),
    path("events/<slug:event_slug>/print/", views.programme_print, name="programme-print"),
    path("events/<slug:event_slug>/sessions/<str:code>/", views.session_detail, name="session"),
    path("events/<slug:event_slug>/sessions/<str:code>/agenda/", agenda.agenda_choice, name="agenda-choice"),
    path("events/<slug:event_slug>/rooms/<int:room_id>/", views.room_detail, name="room"),
    path("events/<slug:event_slug>/me/", agenda.my_agenda, name="my-agenda"),
    path("events/<slug:event_slug>/me/feed/rotate/", agenda.my_feed_rotate, name="my-feed-rotate"),
    path("events/<slug:event_slug>/people/<int:participant_id>/", agenda.member_agenda, name="member-agenda"),
    path("events/<slug:event_slug>/me/reminders/", reminders.my_reminders, name="my-reminders"),
    path("events/<slug:event_slug>/organize/", organizer.grid, name="organizer-grid"),
    path("events/<slug:event_slug>/organize/sessions/<str:code>/move/", organizer.move, name="organizer-move"),
    path("events/<slug:event_slug>/organize/conflicts/", organizer.conflicts, name="organizer-conflicts"),
    path("events/<slug:event_slug>/organize/publish/", organizer.publish, name="organizer-publish"),
    path("events/<slug:event_slug>/organize/audit/", organizer.audit, name="organizer-audit"),
    path("events/<slug:event_slug>/organize/participants/", organizer.participants, name="organizer-participants"),
    path("events/<slug:event_slug>/organize/imports/", organizer.imports, name="organizer-imports"),
    path("events/<slug:event_slug>/organize/imports/<int:job_id>/", organizer.import_detail, name="organizer-import"),
    path(
        "events/<slug:event_slug>/organize/imports/<int:job_id>/apply/",
        organizer.import_apply,
        name="organizer-import-apply",
    ),
]

from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("events/<slug:event_slug>/", views.programme, name="programme"),
    path("events/<slug:event_slug>/sessions/<str:code>/", views.session_detail, name="session"),
]

"""Retention pages (`/conservation/`): households due for a warning or an anonymisation, legal holds."""

from django.urls import path

from lda.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.due, name="due"),
    path("gels/", views.holds, name="holds"),
    path("gels/poser/", views.hold_place, name="hold_place"),
    path("gels/<int:pk>/lever/", views.hold_lift, name="hold_lift"),
]

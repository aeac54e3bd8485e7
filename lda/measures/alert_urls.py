"""The alert inbox of measures (`/alertes/`)."""

from django.urls import path

from lda.measures import alert_views as views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>/traitee/", views.alert_close, name="close"),
]

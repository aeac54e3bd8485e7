"""A measure's follow-up: meetings log, weekly intensity, partners mobilised, outcomes."""

from django.urls import path

from lda.measures import activity_views as views

app_name = "measure_activity"
urlpatterns = [
    path("<int:pk>/rencontres/", views.meetings, name="meetings"),
    path("<int:pk>/rencontres/ajouter/", views.meeting_add, name="meeting_add"),
    path("<int:pk>/intensite/", views.intensity, name="intensity"),
    path("<int:pk>/partenaires/ajouter/", views.partner_add, name="partner_add"),
    path("<int:pk>/resultats/ajouter/", views.outcome_add, name="outcome_add"),
]

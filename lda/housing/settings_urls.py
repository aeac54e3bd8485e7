"""The territory's matching settings (namespace housing_settings, at /parametres/logement/)."""

from django.urls import path

from lda.housing import settings_views as views

app_name = "housing_settings"
urlpatterns = [
    path("cotation/", views.grid, name="grid"),
    path("cotation/nouvelle-version/", views.grid_edit, name="grid_edit"),
    path("regles/", views.rules, name="rules"),
    path("regles/nouvelle-version/", views.rules_edit, name="rules_edit"),
    path("motifs-de-refus/", views.reasons, name="reasons"),
    path("motifs-de-refus/nouveau/", views.reason_create, name="reason_create"),
    path("motifs-de-refus/<int:pk>/activation/", views.reason_activation, name="reason_activation"),
    path("installer/", views.install, name="install"),
]

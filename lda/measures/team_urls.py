"""The operator's multidisciplinary team (staff members by profession)."""

from django.urls import path

from lda.measures import team_views as views

app_name = "team"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("ajouter/", views.team_add, name="add"),
    path("<int:pk>/activer/", views.team_toggle, name="toggle"),
]

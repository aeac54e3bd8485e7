"""The coordinator's duplicates pages, under /fusions/."""

from django.urls import path

from lda.households import merge_views

app_name = "merges"
urlpatterns = [
    path("", merge_views.pairs, name="pairs"),
    path("comparer/<int:kept>/<int:merged>/", merge_views.compare, name="compare"),
    path("fusionner/<int:kept>/<int:merged>/", merge_views.merge_households, name="merge"),
    path("personnes/<int:kept>/<int:merged>/fusionner/", merge_views.merge_persons, name="merge_persons"),
    path("historique/", merge_views.history, name="history"),
    path("historique/<int:pk>/annuler/", merge_views.undo, name="undo"),
]

"""The task status page and its htmx fragment; a capability mounts them in its namespace."""

from django.urls import path

from lda.tasks import views

urlpatterns = [
    path("taches/<int:pk>/", views.status, name="task"),
    path("taches/<int:pk>/progression/", views.progress, name="task_progress"),
]

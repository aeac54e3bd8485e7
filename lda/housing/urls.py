"""Pages of housing (housing); filled by its module's views."""

from django.urls import path  # noqa: F401

app_name = "housing"
urlpatterns: list = []

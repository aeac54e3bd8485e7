"""Pages of housing (housing_settings); filled by its module's views."""

from django.urls import path  # noqa: F401

app_name = "housing_settings"
urlpatterns: list = []

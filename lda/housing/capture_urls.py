"""Pages of housing (housing_capture); filled by its module's views."""

from django.urls import path  # noqa: F401

app_name = "housing_capture"
urlpatterns: list = []

"""Pages of housing (housing_supply); filled by its module's views."""

from django.urls import path  # noqa: F401

app_name = "housing_supply"
urlpatterns: list = []

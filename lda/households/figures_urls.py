"""The figures of the by-name list: the table for a period, and its CSV / XLSX exports."""

from django.urls import path

from lda.households import figures_views

app_name = "figures"
urlpatterns = [
    path("", figures_views.table, name="table"),
    path("export/", figures_views.export, name="export"),
]

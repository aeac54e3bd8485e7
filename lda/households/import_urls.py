"""Import of households from a spreadsheet, under /imports/ (and the status page of its tasks)."""

from django.urls import path

from lda.households import import_views
from lda.tasks import urls as task_urls

app_name = "imports"
urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("modele.xlsx", import_views.template, name="template"),
    path("<int:pk>/", import_views.report, name="report"),
    path("<int:pk>/confirmer/", import_views.confirm, name="confirm"),
    path("<int:pk>/abandonner/", import_views.discard, name="discard"),
    path("<int:pk>/resultat/", import_views.result, name="result"),
    # The generic task status page, mounted here until the project gives tasks their own prefix.
    *task_urls.urlpatterns,
]

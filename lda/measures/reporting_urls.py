"""Monthly statements, funding and the operator's annual activity report (spec 2)."""

from django.urls import path

from lda.measures import reporting_views as views

app_name = "measure_reports"
urlpatterns = [
    path("", views.statement, name="statement"),
    path("releve.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("transmettre/", views.statement_send, name="statement_send"),
    path("recus/", views.statements_received, name="statements_received"),
    path("financement/", views.funding, name="funding"),
    path("conventions/nouvelle/", views.agreement_new, name="agreement_new"),
    path("conventions/<int:pk>/", views.agreement_edit, name="agreement_edit"),
    path("rapport/", views.annual, name="annual"),
    path("rapport.xlsx", views.annual_xlsx, name="annual_xlsx"),
    path("rapport.pdf", views.annual_pdf, name="annual_pdf"),
]

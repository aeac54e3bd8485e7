from django.urls import path

from lda.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("export.csv", views.export, name="export"),
    path("consultations/<slug:object_type>/<int:pk>/", views.consultations, name="consultations"),
]

"""Pages of the capture of private housing (namespace housing_capture, at /logement/captation/)."""

from django.urls import path

from lda.housing import capture_views as views

app_name = "housing_capture"
urlpatterns = [
    path("", views.prospect_list, name="prospects"),
    path("nouvelle/", views.prospect_create, name="prospect_create"),
    path("<int:pk>/", views.prospect_detail, name="prospect"),
    path("<int:pk>/<slug:step>/", views.prospect_step, name="prospect_step"),
    path("objectifs/", views.target_list, name="targets"),
    path("objectifs/nouveau/", views.target_create, name="target_create"),
]

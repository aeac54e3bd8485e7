from django.urls import path

from lda.measures import type_views as views

app_name = "measure_types"
urlpatterns = [
    path("", views.type_list, name="list"),
    path("nouveau/", views.type_create, name="create"),
    path("installer/", views.type_install, name="install"),
    path("<int:pk>/", views.type_detail, name="detail"),
    path("<int:pk>/modifier/", views.type_edit, name="edit"),
    path("<int:pk>/activation/", views.type_activation, name="activation"),
]

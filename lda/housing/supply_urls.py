"""Pages of the housing supply, under /logement/offre/: units, residences, contingents and the
landlord's home (literal segments first, then `<int:pk>` converters)."""

from django.urls import path

from lda.housing import supply_views as views

app_name = "housing_supply"
urlpatterns = [
    path("", views.unit_list, name="units"),
    path("mes-logements/", views.mine, name="mine"),
    path("nouveau/", views.unit_create, name="unit_create"),
    path("<int:pk>/", views.unit_detail, name="unit"),
    path("<int:pk>/modifier/", views.unit_edit, name="unit_edit"),
    path("<int:pk>/disponible/", views.unit_make_available, name="unit_make_available"),
    path("<int:pk>/retrait/", views.unit_withdraw, name="unit_withdraw"),
    path("<int:pk>/liberation/", views.unit_free, name="unit_free"),
    path("residences/", views.residence_list, name="residences"),
    path("residences/nouvelle/", views.residence_create, name="residence_create"),
    path("residences/<int:pk>/", views.residence_detail, name="residence"),
    path("contingents/", views.contingent_list, name="contingents"),
    path("contingents/nouveau/", views.contingent_create, name="contingent_create"),
    path("contingents/<int:pk>/", views.contingent_detail, name="contingent"),
]

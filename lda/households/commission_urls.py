"""Pages of the complex-case commission (PFTA): sittings, agenda, commitments and their follow-up."""

from django.urls import path

from lda.households import commission_views as views

app_name = "commissions"
urlpatterns = [
    path("", views.commission_list, name="list"),
    path("nouvelle/", views.commission_create, name="create"),
    path("engagements/", views.my_commitments, name="my_commitments"),
    path("<int:pk>/", views.commission_detail, name="detail"),
    path("<int:pk>/modifier/", views.commission_edit, name="edit"),
    path("<int:pk>/tenue/", views.commission_held, name="held"),
    path("<int:pk>/situations/ajouter/", views.case_add, name="case_add"),
    path("<int:pk>/ordre-du-jour/", views.print_agenda, name="print_agenda"),
    path("<int:pk>/compte-rendu/", views.print_minutes, name="print_minutes"),
    path("situations/<int:pk>/conclusion/", views.case_conclusion, name="case_conclusion"),
    path("situations/<int:pk>/engagements/ajouter/", views.commitment_add, name="commitment_add"),
    path("engagements/<int:pk>/clore/", views.commitment_close, name="commitment_close"),
]

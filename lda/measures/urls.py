"""Pages of accompaniment measures, under /mesures/ (included before /mesures/suivi/ and
/mesures/comptes/: only literal segments that are not theirs, and `<int:pk>` converters)."""

from django.urls import path

from lda.measures import views

app_name = "measures"
urlpatterns = [
    path("", views.measure_list, name="list"),
    path("file-active/", views.caseload, name="caseload"),
    path("a-activer/", views.to_activate, name="to_activate"),
    path("nouvelle/<int:household_pk>/", views.measure_create, name="create"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("<int:pk>/", views.measure_detail, name="detail"),
    path("<int:pk>/contrat/", views.contract, name="contract"),
    path("<int:pk>/transmission/", views.send, name="send"),
    path("<int:pk>/renvoi/", views.send_back, name="send_back"),
    path("<int:pk>/activation/", views.activate, name="activate"),
    path("<int:pk>/entree-logement/", views.entry, name="entry"),
    path("<int:pk>/bilan/", views.review, name="review"),
    path("<int:pk>/renouvellement/", views.renewal_request, name="renewal_request"),
    path("<int:pk>/renouvellement/avis/", views.renewal_decide, name="renewal_decide"),
    path("<int:pk>/fin/", views.end, name="end"),
    path("<int:pk>/abandon/", views.abandon, name="abandon"),
    path("<int:pk>/referent/", views.referent, name="referent"),
]

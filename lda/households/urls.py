"""Pages of the by-name list, under /menages/."""

from django.urls import path

from lda.households import referral_views, rights_views, views

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("export/", views.household_export, name="export"),
    path("file-active/", views.caseload, name="caseload"),
    path("saisines/", referral_views.referral_queue, name="referrals"),
    path("saisines/nouvelle/", referral_views.referral_create, name="referral_create"),
    path("saisines/transmise/", referral_views.referral_sent, name="referral_sent"),
    path("saisines/<int:pk>/", referral_views.referral_detail, name="referral"),
    path("saisines/<int:pk>/etude/", referral_views.referral_study, name="referral_study"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/modifier/", views.household_edit, name="edit"),
    path("<int:pk>/situation/", views.situation_add, name="situation_add"),
    path("<int:pk>/personne/", views.person_add, name="person_add"),
    path("<int:pk>/besoin/", views.need_record, name="need"),
    path("<int:pk>/ressource/", views.resource_add, name="resource_add"),
    path("<int:pk>/contact/", views.contact_record, name="contact"),
    path("<int:pk>/contact-du-jour/", views.contact_today, name="contact_today"),
    path("<int:pk>/sortie/", views.household_exit, name="exit"),
    path("<int:pk>/retour/", views.household_return, name="return"),
    path("<int:pk>/saisine/", referral_views.referral_for_household, name="referral_existing"),
    path("<int:pk>/orientation/", referral_views.household_orient, name="orient"),
    path("<int:pk>/droits/", rights_views.rights_page, name="rights"),
    path("<int:pk>/droits/export.pdf", rights_views.rights_export_pdf, name="rights_export_pdf"),
    path("<int:pk>/droits/export.json", rights_views.rights_export_json, name="rights_export_json"),
    path("<int:pk>/historique/", rights_views.field_history, name="field_history"),
    path("<int:pk>/personne/<int:person_pk>/modifier/", rights_views.person_edit, name="person_edit"),
]

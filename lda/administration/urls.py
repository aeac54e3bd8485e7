from django.urls import path

from lda.administration import views

app_name = "administration"
urlpatterns = [
    path("territoire/", views.territory, name="territory"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/nouvelle/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_edit, name="organisation"),
    path("comptes/", views.users, name="users"),
    path("comptes/nouveau/", views.user_create, name="user_create"),
    path("comptes/<int:pk>/", views.user_detail, name="user"),
    path("comptes/<int:pk>/rattachements/", views.membership_add, name="membership_add"),
    path("comptes/<int:pk>/<slug:action>/", views.user_action, name="user_action"),
    path("rattachements/<int:pk>/retirer/", views.membership_end, name="membership_end"),
    path("jetons/", views.tokens, name="tokens"),
    path("jetons/<int:pk>/revoquer/", views.token_revoke, name="token_revoke"),
]

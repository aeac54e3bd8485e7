from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from lda.access.decorators import public
from lda.accounts import proconnect, views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.sign_in, name="login"),
    path("connexion/code/", views.second_factor, name="second_factor"),
    path("connexion/double-authentification/", views.enrol_second_factor, name="enrol_second_factor"),
    path("deconnexion/", views.sign_out, name="logout"),
    path("reauthentification/", views.reauthenticate, name="reauthenticate"),
    path("compte/", views.account, name="account"),
    path("connexion/proconnect/", proconnect.start, name="proconnect_login"),
    path("connexion/proconnect/retour/", proconnect.callback, name="proconnect_callback"),
]

# Forgotten password and invitations: Django's token views, in our templates, reachable signed out.
urlpatterns += [
    path(
        "connexion/mot-de-passe-oublie/",
        public(
            auth_views.PasswordResetView.as_view(
                template_name="accounts/password_reset.html",
                email_template_name="accounts/email/password_reset.txt",
                subject_template_name="accounts/email/password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "connexion/mot-de-passe-oublie/envoye/",
        public(auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")),
        name="password_reset_done",
    ),
    path(
        "connexion/nouveau-mot-de-passe/<uidb64>/<token>/",
        public(
            auth_views.PasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:password_reset_complete"),
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "connexion/nouveau-mot-de-passe/termine/",
        public(auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")),
        name="password_reset_complete",
    ),
]

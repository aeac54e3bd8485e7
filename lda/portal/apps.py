from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "lda.portal"
    label = "portal"
    verbose_name = "Portail (accueil, annuaire, pages d'erreur)"

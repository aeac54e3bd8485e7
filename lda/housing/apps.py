from django.apps import AppConfig


class HousingConfig(AppConfig):
    name = "lda.housing"
    label = "housing"
    verbose_name = "Offre de logement et rapprochement"

    def ready(self):
        from lda.housing import dossier_sections, scopes, signals  # noqa: F401

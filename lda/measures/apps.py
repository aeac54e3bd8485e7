from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "lda.measures"
    label = "measures"
    verbose_name = "Mesures d'accompagnement"

    def ready(self):
        from lda.measures import dossier_sections, scopes, signals  # noqa: F401

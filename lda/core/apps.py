from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lda.core"
    label = "core"
    verbose_name = "Socle"

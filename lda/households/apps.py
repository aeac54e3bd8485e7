from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "lda.households"
    label = "households"
    verbose_name = "Ménages et parcours"

    def ready(self):
        from lda.households import scopes, signals  # noqa: F401

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lda.audit"
    label = "audit"
    verbose_name = "Journal des accès"

    def ready(self):
        from lda.audit import scopes, signals  # noqa: F401

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "lda.retention"
    label = "retention"
    verbose_name = "Conservation et anonymisation"

    def ready(self):
        from lda.audit.signals import audit_writes
        from lda.retention import scopes  # noqa: F401
        from lda.retention.models import LegalHold, RetentionRules

        # Who placed or lifted a hold, who changed the durations: logged (ids, never the reason).
        audit_writes(LegalHold)
        audit_writes(RetentionRules)

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "lda.retention"
    label = "retention"
    verbose_name = "Conservation et anonymisation"

    def ready(self):
        from lda.retention import scopes  # noqa: F401

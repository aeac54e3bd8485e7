from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lda.accounts"
    label = "accounts"
    verbose_name = "Comptes et organisations"

    def ready(self):
        from lda.access import scopes  # noqa: F401
        from lda.accounts import signals  # noqa: F401

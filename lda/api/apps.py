from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lda.api"
    label = "api"
    verbose_name = "API"

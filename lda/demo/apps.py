from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "lda.demo"
    label = "demo"
    verbose_name = "Territoire de démonstration"

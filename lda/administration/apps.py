from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "lda.administration"
    label = "administration"
    verbose_name = "Administration du territoire"

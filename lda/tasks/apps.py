from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "lda.tasks"
    label = "tasks"
    verbose_name = "Tâches de fond"

    def ready(self):
        from lda.tasks import registry, scopes, signals  # noqa: F401

        # Domain apps declare their handlers in a `task_handlers` module (as the admin does with
        # `admin`): the tasks app never imports a domain app by name.
        registry.autodiscover()

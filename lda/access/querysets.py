from django.db import models


class ScopedQuerySet(models.QuerySet):
    """A queryset that reaches users only through the access policy: `Model.objects.for_user(user)`."""

    def for_user(self, user):
        from lda.access.policy import scope

        return scope(user, self)


class AppendOnlyQuerySet(ScopedQuerySet):
    """Rows written once (domain events, transition logs): the ORM refuses to update or delete
    them, with the model's `APPEND_ONLY` message. The model's `save()` refuses updates too."""

    def update(self, **kwargs):
        raise TypeError(self.model.APPEND_ONLY)

    def delete(self):
        raise TypeError(self.model.APPEND_ONLY)

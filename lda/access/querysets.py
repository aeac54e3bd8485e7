from django.db import models


class ScopedQuerySet(models.QuerySet):
    """A queryset that reaches users only through the access policy: `Model.objects.for_user(user)`."""

    def for_user(self, user):
        from lda.access.policy import scope

        return scope(user, self)

"""Every write of an audited model leaves an event, whoever the caller (view, API, command)."""

from django.db.models.signals import post_delete, post_save

from lda.audit.log import record
from lda.audit.models import Action

# Models whose writes are logged. Domain apps add theirs with `audit_writes(Model)`.
AUDITED: set = set()


def audit_writes(model):
    AUDITED.add(model)
    post_save.connect(_saved, sender=model, dispatch_uid=f"audit-save-{model._meta.label}")
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"audit-delete-{model._meta.label}")
    return model


# Sign-in bookkeeping is logged as sign-in events, not as edits of the account.
BOOKKEEPING_FIELDS = frozenset({"last_login", "failed_logins", "last_failed_login_at", "locked_until"})


def _saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields and set(update_fields) <= BOOKKEEPING_FIELDS):
        return
    record(Action.CREATE if created else Action.UPDATE, object_type=sender._meta.model_name, object_id=instance.pk)


def _deleted(sender, instance, **kwargs):
    record(Action.DELETE, object_type=sender._meta.model_name, object_id=instance.pk)


def _register_foundation():
    from lda.accounts.models import ApiToken, Membership, Organisation, Territory, User

    for model in (Territory, Organisation, User, Membership, ApiToken):
        audit_writes(model)


_register_foundation()

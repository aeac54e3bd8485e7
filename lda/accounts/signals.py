"""Session bookkeeping: remember each user's sessions so deactivation and logout end them all."""

from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef
from django.db.models.signals import pre_save
from django.dispatch import receiver

from lda.accounts.models import User, UserSession


@receiver(user_logged_in)
def _remember_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        if request.session.session_key is None:
            request.session.save()
        # Forget this user's sessions that have expired since, so the table does not grow.
        live = Session.objects.filter(session_key=OuterRef("session_key"))
        UserSession.objects.filter(user=user).exclude(Exists(live)).delete()
        UserSession.objects.get_or_create(user=user, session_key=request.session.session_key)


def end_all_sessions(user) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@receiver(pre_save, sender=User)
def _end_sessions_on_deactivation(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None or instance.is_active:
        return
    was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
    if was_active:
        end_all_sessions(instance)

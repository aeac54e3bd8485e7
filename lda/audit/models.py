"""The append-only access log (spec 6): who did what to which object, never the data values."""

from django.db import models
from django.utils import timezone

from lda.access.querysets import ScopedQuerySet


class Action(models.TextChoices):
    READ = "read", "Consultation"
    CREATE = "create", "Création"
    UPDATE = "update", "Modification"
    DELETE = "delete", "Suppression"
    EXPORT = "export", "Export"
    DENIED = "denied", "Accès refusé"
    LOGIN = "login", "Connexion réussie"
    LOGIN_FAILED = "login_failed", "Échec de connexion"
    LOCKED = "locked", "Compte verrouillé"
    LOGOUT = "logout", "Déconnexion"
    SECOND_FACTOR_FAILED = "totp_failed", "Code à usage unique refusé"
    SECOND_FACTOR_ENROLLED = "totp_enrolled", "Double authentification activée"
    REAUTH = "reauth", "Réauthentification"
    PASSWORD_CHANGED = "password_changed", "Mot de passe modifié"
    SESSION_EXPIRED = "session_expired", "Session expirée"
    ANONYMISE = "anonymise", "Anonymisation (fin de conservation)"


class AppendOnlyError(Exception):
    """The access log is never modified nor deleted by the application."""


class AccessLogQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")

    def delete(self):
        raise AppendOnlyError("Le journal des accès ne peut pas être supprimé.")

    def purge_expired(self, now=None) -> int:
        """The only deletion: rows whose retention period is over (the trigger checks it again)."""
        expired = AccessLog.objects.filter(keep_until__lt=now or timezone.now())
        return expired._raw_delete(expired.db)


class AccessLog(models.Model):
    """One row per event. The database refuses UPDATE, and DELETE before `keep_until` (triggers)."""

    at = models.DateTimeField("date (UTC)", default=timezone.now, db_index=True)
    # Plain ids, not foreign keys: a log row outlives what it names and never cascades.
    user_id = models.BigIntegerField("utilisateur", null=True, blank=True, db_index=True)
    token_id = models.BigIntegerField("jeton d'API", null=True, blank=True)
    organisation_id = models.BigIntegerField("organisation", null=True, blank=True)
    territory_id = models.BigIntegerField("territoire", null=True, blank=True, db_index=True)
    action = models.CharField("action", max_length=20, choices=Action.choices)
    object_type = models.CharField("type d'objet", max_length=40, blank=True)
    object_id = models.CharField("identifiant", max_length=64, blank=True)
    section = models.CharField("section", max_length=40, blank=True)
    route = models.CharField("page ou point d'API", max_length=100, blank=True)
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    request_id = models.CharField("identifiant de requête", max_length=64, blank=True)
    keep_until = models.DateTimeField("conservé jusqu'au")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "événement du journal des accès"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="accesslog_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Le journal des accès ne peut pas être supprimé.")

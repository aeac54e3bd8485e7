"""Territories, organisations, users and their memberships, API tokens."""

import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from lda.access.querysets import ScopedQuerySet
from lda.accounts.roles import ROLE_RULES, OrganisationKind, Role, role_refusal
from lda.core.validators import clean_epci_codes, normalise_digits, validate_departement_code, validate_siret


class Territory(models.Model):
    """A Housing First territory (département or metropolis) running its platform."""

    name = models.CharField("nom", max_length=200, unique=True)
    departement_code = models.CharField(
        "code INSEE du département", max_length=3, validators=[validate_departement_code]
    )
    epci_codes = models.JSONField(
        "codes SIREN des EPCI", default=list, blank=True, help_text="Un code SIREN à 9 chiffres par EPCI."
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "territoire"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            self.epci_codes = clean_epci_codes(self.epci_codes)
        except ValidationError as error:
            raise ValidationError({"epci_codes": error.messages}) from error


class Organisation(models.Model):
    territory = models.ForeignKey(
        Territory, verbose_name="territoire", on_delete=models.PROTECT, related_name="organisations"
    )
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=32, choices=OrganisationKind.choices)
    siret = models.CharField("SIRET", max_length=14, validators=[validate_siret])
    email = models.EmailField("e-mail de contact", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "siret"], name="organisation_unique_siret_per_territory"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        self.siret = normalise_digits(self.siret)


class UserManager(BaseUserManager.from_queryset(ScopedQuerySet)):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("Une adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser):
    """A person signing in. What they may do comes only from their memberships."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    is_active = models.BooleanField("compte actif", default=True)
    date_joined = models.DateTimeField("créé le", default=timezone.now)
    # Sign-in throttling (spec 6): counted here so it survives restarts and is shared by all servers.
    failed_logins = models.PositiveIntegerField("échecs de connexion consécutifs", default=0)
    last_failed_login_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        self.email = (self.email or "").strip().lower()

    def active_memberships(self):
        return self.memberships.filter(is_active=True, organisation__is_active=True)

    def roles(self) -> set[str]:
        return {m.role for m in self.active_memberships()}

    def requires_totp(self) -> bool:
        return any(ROLE_RULES[role].requires_totp for role in self.roles())

    def min_password_length(self) -> int:
        return max([ROLE_RULES[role].min_password_length for role in self.roles()] or [12])


class Membership(models.Model):
    """A user holding one role in one organisation (and so in that organisation's territory)."""

    user = models.ForeignKey(User, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=32, choices=Role.choices)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "rattachement"
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"

    def clean(self):
        if self.role and self.organisation_id:
            refusal = role_refusal(self.role, self.organisation)
            if refusal:
                raise ValidationError({"role": refusal})


class UserSession(models.Model):
    """Which session belongs to whom, so that deactivation and logout-everywhere end them all."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"session de {self.user_id}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A secret an organisation's system uses to call the API, acting with one role of that organisation."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="api_tokens"
    )
    role = models.CharField("rôle", max_length=32, choices=Role.choices)
    name = models.CharField("nom", max_length=100, help_text="Par exemple : « Logiciel du SIAO ».")
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, organisation, role, name, created_by) -> tuple["ApiToken", str]:
        """Creates a token and returns it with its secret, shown once and never stored in clear."""
        raw = "lda_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            organisation=organisation,
            role=role,
            name=name,
            created_by=created_by,
            prefix=raw[:12],
            key_hash=hash_token(raw),
        )
        return token, raw

    @property
    def is_active(self):
        return self.revoked_at is None and self.organisation.is_active

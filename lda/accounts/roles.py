"""Roles and organisation kinds: data, read by the access policy, forms and the demo territory."""

from dataclasses import dataclass

from django.db import models


class OrganisationKind(models.TextChoices):
    PLATFORM = "platform", "Plateforme Logement d'abord (coordination)"
    SIAO = "siao", "SIAO"
    ASSOCIATION = "association", "Association opératrice"
    SOCIAL_LANDLORD = "social_landlord", "Bailleur social"
    RESERVATION_HOLDER = "reservation_holder", "Réservataire (Action Logement…)"
    STATE_SERVICE = "state_service", "Service de l'État (DDETS, DREAL, préfecture)"
    DEPARTEMENT = "departement", "Conseil départemental"
    EPCI = "epci", "Intercommunalité (métropole, EPCI)"
    COMMUNE = "commune", "Commune / CCAS"
    HEALTH = "health", "Partenaire santé (hôpital, CMP, EMPP)"
    JUSTICE = "justice", "Justice (SPIP, PJJ)"
    OBSERVATORY = "observatory", "Observatoire, recherche"


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordination Logement d'abord"
    REFERENT = "referent", "Référent·e de parcours (SIAO)"
    SOCIAL_WORKER = "social_worker", "Travailleur·se social·e d'un opérateur"
    LANDLORD = "landlord", "Bailleur / réservataire"
    PREVENTION_AGENT = "prevention_agent", "Prévention des expulsions (CCAPEX, équipe mobile)"
    STATE_AGENT = "state_agent", "Services de l'État"
    OBSERVER = "observer", "Observatoire"
    ADMIN = "admin", "Administration du territoire"


@dataclass(frozen=True)
class RoleRules:
    description: str
    organisation_kinds: frozenset[str]
    requires_totp: bool = False
    min_password_length: int = 12
    sees_names: bool = True


K = OrganisationKind
ROLE_RULES: dict[str, RoleRules] = {
    Role.COORDINATOR: RoleRules(
        "Voit tout le territoire : saisines, orientations, mesures, commissions, pilotage.",
        frozenset({K.PLATFORM, K.EPCI, K.DEPARTEMENT, K.COMMUNE, K.STATE_SERVICE}),
        requires_totp=True,
    ),
    Role.REFERENT: RoleRules(
        "Suit sa file active de ménages : orientations et propositions de logement.",
        frozenset({K.SIAO}),
    ),
    Role.SOCIAL_WORKER: RoleRules(
        "Accompagne les ménages suivis par son organisation : contrats, rendez-vous, bilans.",
        frozenset({K.ASSOCIATION, K.COMMUNE, K.DEPARTEMENT, K.HEALTH, K.JUSTICE, K.SIAO}),
    ),
    Role.LANDLORD: RoleRules(
        "Voit ses logements et les candidats proposés, sans le dossier social.",
        frozenset({K.SOCIAL_LANDLORD, K.RESERVATION_HOLDER, K.COMMUNE, K.EPCI, K.DEPARTEMENT, K.STATE_SERVICE}),
    ),
    Role.PREVENTION_AGENT: RoleRules(
        "Suit les ménages menacés d'expulsion, les étapes de la procédure et les actions.",
        frozenset({K.STATE_SERVICE, K.DEPARTEMENT, K.ASSOCIATION, K.COMMUNE}),
    ),
    Role.STATE_AGENT: RoleRules(
        "Consulte les indicateurs agrégés, conventions et budgets, sans données nominatives.",
        frozenset({K.STATE_SERVICE}),
        sees_names=False,
    ),
    Role.OBSERVER: RoleRules(
        "Consulte des statistiques où les petits effectifs sont masqués, sans données nominatives.",
        frozenset({K.OBSERVATORY, K.EPCI, K.DEPARTEMENT, K.STATE_SERVICE, K.PLATFORM}),
        sees_names=False,
    ),
    Role.ADMIN: RoleRules(
        "Gère les comptes, les organisations, les paramètres et la conservation des données.",
        frozenset({K.PLATFORM, K.EPCI, K.DEPARTEMENT}),
        requires_totp=True,
        min_password_length=16,
    ),
}


def role_label(role: str) -> str:
    return Role(role).label


def role_refusal(role: str, organisation) -> str | None:
    """Why `role` cannot be held in `organisation`, in French; None when it can."""
    if organisation.kind in ROLE_RULES[role].organisation_kinds:
        return None
    return (
        f"Le rôle « {Role(role).label} » n'existe pas dans une organisation de type "
        f"« {organisation.get_kind_display()} »."
    )

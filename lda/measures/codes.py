"""Codes of accompaniment measures (spec 2): ASCII in the database, French labels in the UI."""

from dataclasses import dataclass

from django.db import models

from lda.accounts.roles import OrganisationKind, Role
from lda.households.codes import MeasureEndReason


class MeasureStatus(models.TextChoices):
    ORIENTED = "oriented", "Orientée"
    SIGNED = "signed", "Contrat signé"
    SENT = "sent", "Transmise à la coordination"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Terminée"
    ABANDONED = "abandoned", "Abandonnée avant activation"


OPEN_STATUSES = frozenset({MeasureStatus.ORIENTED, MeasureStatus.SIGNED, MeasureStatus.SENT, MeasureStatus.ACTIVE})


EndReason = MeasureEndReason


# Ends that must reach the coordinator at once (seed 003: "toute sortie ou rupture… ou non-adhésion").
# Every end and every abandonment is such an exit; the coordinator is told of all of them.
RUPTURE_REASONS = frozenset({EndReason.RUPTURE, EndReason.NON_ADHESION})
# Reasons an unactivated measure can be abandoned for.
ABANDON_REASONS = frozenset({EndReason.NON_ADHESION, EndReason.MOVED, EndReason.DECEASED})


class FollowOn(models.TextChoices):
    """The ordinary (droit commun) support a measure hands over to."""

    DEPARTEMENT = "departement", "Service social départemental (polyvalence de secteur)"
    CCAS = "ccas", "CCAS"
    ASELL = "asell", "Accompagnement social lié au logement (ASELL / FSL)"
    AVDL = "avdl", "AVDL"
    MENTAL_HEALTH = "mental_health", "Secteur de psychiatrie (CMP)"
    SAVS = "savs", "SAVS / SAMSAH"
    MJPM = "mjpm", "Mesure de protection (MJPM)"
    OTHER = "other", "Autre accompagnement"


class MeetingKind(models.TextChoices):
    HOME_VISIT = "home_visit", "Visite à domicile"
    OUTSIDE = "outside", "Rencontre à l'extérieur"
    PHONE = "phone", "Entretien téléphonique"
    ESCORT = "escort", "Accompagnement physique à un rendez-vous"
    COLLECTIVE = "collective", "Action collective"


# Meetings counted as "rencontres avec le référent" (a phone call is not a meeting).
FACE_TO_FACE = frozenset({MeetingKind.HOME_VISIT, MeetingKind.OUTSIDE, MeetingKind.ESCORT, MeetingKind.COLLECTIVE})


class Profession(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Travailleur·se social·e"
    EDUCATOR = "educator", "Éducateur·rice spécialisé·e"
    PSYCHOLOGIST = "psychologist", "Psychologue"
    PSYCHIATRIC_NURSE = "psychiatric_nurse", "Infirmier·e en psychiatrie"
    PEER_WORKER = "peer_worker", "Travailleur·se pair·e"
    HOUSING_ADVISER = "housing_adviser", "Conseiller·e en économie sociale et familiale"
    JOB_COACH = "job_coach", "Chargé·e d'insertion professionnelle (job coach)"
    MANAGER = "manager", "Chef·fe de service"
    OTHER = "other", "Autre profession"


class PartnerCategory(models.TextChoices):
    HEALTH = "health", "Santé"
    HOUSING = "housing", "Logement"
    EMPLOYMENT = "employment", "Emploi et formation"
    RIGHTS = "rights", "Accès aux droits"


class PartnerKind(models.TextChoices):
    # Health (seed 003's list)
    CAARUD = "caarud", "CAARUD"
    CSAPA = "csapa", "CSAPA"
    SSIAD = "ssiad", "SSIAD précarité"
    PASS = "pass", "PASS"
    EMPP = "empp", "EMPP"
    CMP = "cmp", "CMP"
    HOSPITAL = "hospital", "Centre hospitalier"
    PSYCHIATRY = "psychiatry", "Service de psychiatrie"
    SAMSAH = "samsah", "SAMSAH"
    SAVS = "savs", "SAVS"
    GP = "gp", "Médecin traitant"
    # Housing
    LANDLORD = "landlord", "Bailleur"
    IML_AGENCY = "iml_agency", "Agence d'intermédiation locative"
    FSL = "fsl", "Fonds de solidarité logement (FSL)"
    ADIL = "adil", "ADIL"
    # Employment and training
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    SIAE = "siae", "Structure d'insertion par l'activité économique"
    TRAINING = "training", "Organisme de formation"
    # Rights
    CAF = "caf", "CAF / MSA"
    CPAM = "cpam", "CPAM"
    CCAS = "ccas", "CCAS"
    LEGAL = "legal", "Point d'accès au droit / avocat"
    DOMICILIATION = "domiciliation", "Organisme de domiciliation"
    OTHER = "other", "Autre partenaire"


PARTNER_CATEGORY = {
    **{k: PartnerCategory.HEALTH for k in ("caarud", "csapa", "ssiad", "pass", "empp", "cmp", "hospital")},
    **{k: PartnerCategory.HEALTH for k in ("psychiatry", "samsah", "savs", "gp")},
    **{k: PartnerCategory.HOUSING for k in ("landlord", "iml_agency", "fsl", "adil")},
    **{k: PartnerCategory.EMPLOYMENT for k in ("france_travail", "mission_locale", "siae", "training")},
    **{k: PartnerCategory.RIGHTS for k in ("caf", "cpam", "ccas", "legal", "domiciliation", "other")},
}


class OutcomeKind(models.TextChoices):
    HOUSED = "housed", "Relogé·e"
    SUBLEASE = "sublease", "Sous-location mise en place"
    TRAINING = "training", "Entrée en formation"
    EMPLOYMENT = "employment", "Accès à l'emploi"
    HEALTH = "health", "Suivi en santé mis en place (hors santé mentale)"
    MENTAL_HEALTH = "mental_health", "Suivi en santé mentale mis en place"
    BUDGET = "budget", "Objectifs de gestion budgétaire atteints"
    COLLECTIVE = "collective", "Participation à des actions collectives"


class ContractType(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    INTERIM = "interim", "Intérim"
    CDDI = "cddi", "CDDI (insertion)"
    APPRENTICESHIP = "apprenticeship", "Alternance / apprentissage"
    OTHER = "other", "Autre contrat"


class AlertKind(models.TextChoices):
    REVIEW_DUE = "review_due", "Bilan à faire dans les 15 jours"
    REVIEW_OVERDUE = "review_overdue", "Bilan en retard"
    END_APPROACHING = "end_approaching", "Fin de mesure dans moins d'un mois"
    PRE_HOUSING_EXCEEDED = "pre_housing_exceeded", "Durée avant l'entrée dans le logement dépassée"
    RENEWAL_WAITING = "renewal_waiting", "Renouvellement en attente d'accord"
    CONTRACT_WAITING = "contract_waiting", "Contrat à activer"
    EXIT = "exit", "Sortie, rupture ou non-adhésion"


class RenewalStatus(models.TextChoices):
    REQUESTED = "requested", "Demandé"
    APPROVED = "approved", "Accordé"
    REFUSED = "refused", "Refusé"


@dataclass(frozen=True)
class Approver:
    """Who may give an approval a measure type requires: a role, in an organisation of a kind."""

    label: str
    role: str
    organisation_kinds: frozenset[str] = frozenset()  # empty: any organisation of the territory


# The approvers a measure type may name. VIAL: renewals on the coordinator's opinion; the
# derogation needs the coordinator and the head of the Département's local social service.
APPROVERS: dict[str, Approver] = {
    "coordinator": Approver("Coordination Logement d'abord", Role.COORDINATOR),
    "chef_slisl": Approver(
        "Chef·fe du service local inclusion sociale et logement (Département)",
        Role.SOCIAL_WORKER,
        frozenset({OrganisationKind.DEPARTEMENT}),
    ),
}
APPROVER_CHOICES = [(code, a.label) for code, a in APPROVERS.items()]

"""The vocabularies of the by-name list (spec 1), as data: ASCII codes, French labels.

Codes that reveal a sensitive category (spec 6: health, mental health, addictions, violence,
legal status, free text) name it, so that pages, exports and the API hide them from the roles and
organisations that may not see them.
"""

from django.db import models


class Sensitive(models.TextChoices):
    """The second gate of spec 6: categories only the social workers of the referent and the
    accompanying organisation, and the coordinator, may see."""

    HEALTH = "health", "Santé"
    MENTAL_HEALTH = "mental_health", "Santé mentale"
    ADDICTIONS = "addictions", "Addictions"
    VIOLENCE = "violence", "Violences"
    LEGAL = "legal", "Situation administrative et judiciaire"
    NOTES = "notes", "Notes libres"


class Sex(models.TextChoices):
    FEMALE = "F", "Femme"
    MALE = "M", "Homme"
    UNKNOWN = "U", "Non renseigné"


class PersonRole(models.TextChoices):
    ADULT = "adult", "Adulte"
    CHILD = "child", "Enfant"
    OTHER = "other", "Autre"


class DatePrecision(models.TextChoices):
    """A birth date may be known only as a year, or roughly (spec 1)."""

    DAY = "day", "Date exacte"
    MONTH = "month", "Mois et année"
    YEAR = "year", "Année seulement"
    APPROXIMATE = "approximate", "Approximative"


class AdministrativeStatus(models.TextChoices):
    """Legal status where it bears on housing eligibility (a sensitive category: LEGAL)."""

    FRENCH = "french", "Nationalité française"
    EU = "eu", "Ressortissant·e de l'UE"
    RESIDENCE_PERMIT = "residence_permit", "Titre de séjour"
    REFUGEE = "refugee", "Réfugié·e / protection internationale"
    ASYLUM_SEEKER = "asylum_seeker", "Demande d'asile déposée"
    UNDOCUMENTED = "undocumented", "Sans titre de séjour"
    UNKNOWN = "unknown", "Non renseigné"


class ResourceKind(models.TextChoices):
    SALARY = "salary", "Salaire"
    RSA = "rsa", "RSA"
    AAH = "aah", "AAH"
    ARE = "are", "ARE (chômage)"
    ASS = "ass", "ASS"
    PENSION = "pension", "Retraite / pension"
    FAMILY = "family", "Prestations familiales"
    HOUSING_BENEFIT = "housing_benefit", "APL / AL"
    OTHER = "other", "Autre ressource"
    NONE = "none", "Aucune ressource"


class PriorityPublic(models.TextChoices):
    """Seed 001 fiche 1.2 and seed 003; the sensitive ones are listed in PRIORITY_SENSITIVE."""

    VIOLENCE_VICTIM = "violence_victim", "Femme victime de violences"
    UNDER_25 = "under_25", "Moins de 25 ans"
    LEAVING_CHILD_WELFARE = "leaving_ase", "Sortie de l'aide sociale à l'enfance"
    LEAVING_PRISON = "leaving_prison", "Sortie de détention"
    REFUGEE = "refugee", "Réfugié·e"
    MENTAL_DISABILITY = "mental_disability", "Handicap psychique"
    LONG_STREET = "long_street", "Grande marginalité / long parcours de rue"
    SINGLE_PARENT = "single_parent", "Famille monoparentale"
    EVICTED = "evicted", "Expulsé·e récemment ou menacé·e d'expulsion"


PRIORITY_SENSITIVE: dict[str, str] = {
    PriorityPublic.VIOLENCE_VICTIM: Sensitive.VIOLENCE,
    PriorityPublic.LEAVING_PRISON: Sensitive.LEGAL,
    PriorityPublic.REFUGEE: Sensitive.LEGAL,
    PriorityPublic.MENTAL_DISABILITY: Sensitive.MENTAL_HEALTH,
}


class NeedKind(models.TextChoices):
    HEALTH = "health", "Santé"
    MENTAL_HEALTH = "mental_health", "Santé mentale"
    ADDICTIONS = "addictions", "Addictions"
    BUDGET = "budget", "Gestion du budget"
    EMPLOYMENT = "employment", "Emploi / formation"
    PARENTING = "parenting", "Parentalité"
    RIGHTS = "rights", "Accès aux droits"
    LANGUAGE = "language", "Langue"
    ADMINISTRATIVE = "administrative", "Démarches administratives"


NEED_SENSITIVE: dict[str, str] = {
    NeedKind.HEALTH: Sensitive.HEALTH,
    NeedKind.MENTAL_HEALTH: Sensitive.MENTAL_HEALTH,
    NeedKind.ADDICTIONS: Sensitive.ADDICTIONS,
}


class NeedStatus(models.TextChoices):
    IDENTIFIED = "identified", "Identifié"
    IN_PROGRESS = "in_progress", "En cours de traitement"
    MET = "met", "Satisfait"


class HomeType(models.TextChoices):
    """Kinds of home a household wishes for, and kinds of home it enters (figures: housed by kind)."""

    SOCIAL = "social", "Logement social"
    PLAI_ADAPTED = "plai_adapted", "PLAI adapté"
    IML = "iml", "Intermédiation locative (IML)"
    PRIVATE = "private", "Parc privé"
    FAMILY_HOUSE = "pension_famille", "Pension de famille / résidence accueil"
    SUPPORTED = "supported", "Logement accompagné (résidence sociale, FJT)"


class ReferrerKind(models.TextChoices):
    SIAO = "siao", "SIAO"
    CCAS = "ccas", "CCAS / commune"
    ASSOCIATION = "association", "Association"
    OUTREACH = "outreach", "Maraude / équipe de rue"
    CCAPEX = "ccapex", "CCAPEX"
    SPIP = "spip", "SPIP (service pénitentiaire)"
    CHILD_WELFARE = "ase", "Aide sociale à l'enfance"
    HOSPITAL = "hospital", "Hôpital / psychiatrie"
    LANDLORD = "landlord", "Bailleur"
    SELF = "self", "La personne elle-même"


class MeasureCode(models.TextChoices):
    """Measures an orientation may name: the codes of the measure types LDA ships (see
    `lda/measures/catalogue.py`). When the territory runs a type of that code, orienting with an
    operator opens the measure; a type an administrator adds is opened from the measures pages."""

    VIAL = "vial", "VIAL"
    FNAVDL = "fnavdl", "FNAVDL"
    ASELL = "asell", "ASELL"
    ENVAUL = "envaul", "ENVAUL (18–25 ans)"
    CHEZ_SOI = "chez_soi", "Un chez-soi d'abord"
    PREVENTION_MOBILE = "prevention_mobile", "Équipe mobile de prévention des expulsions"
    COACHING_IPS = "coaching_ips", "Accompagnement vers l'emploi (IPS)"
    AVDL = "avdl", "AVDL"
    IML = "iml", "Accompagnement IML"
    OTHER = "other", "Autre mesure"


class MeasureEndReason(models.TextChoices):
    """Why a measure ended (defined here so that the household's timeline can read it)."""

    GOALS_MET = "goals_met", "Objectifs atteints"
    HANDED_OVER = "handed_over", "Relais vers l'accompagnement de droit commun"
    RUPTURE = "rupture", "Rupture de l'accompagnement"
    NON_ADHESION = "non_adhesion", "Non-adhésion du ménage"
    MOVED = "moved", "Déménagement hors territoire"
    DECEASED = "deceased", "Décès"


class Decision(models.TextChoices):
    ORIENTED = "oriented", "Orienté vers une mesure et/ou une recherche de logement"
    COMMISSION = "commission", "Présenté en commission des parcours complexes"
    REORIENTED = "reoriented", "Réorienté ailleurs"
    CLOSED = "closed", "Clos sans suite"


class DecisionReason(models.TextChoices):
    """Why a household is re-oriented or closed (an orientation needs no reason code)."""

    OTHER_SERVICE = "other_service", "Relève d'un autre dispositif"
    OUT_OF_TERRITORY = "out_of_territory", "Hors territoire"
    NOT_ELIGIBLE = "not_eligible", "Hors public cible"
    DECLINED = "declined", "La personne ne souhaite pas de suite"
    NO_CONTACT = "no_contact", "Personne non jointe"
    DUPLICATE = "duplicate", "Saisine en double"
    SOLVED = "solved", "Situation résolue"
    COMPLEX = "complex", "Situation complexe nécessitant plusieurs partenaires"


class ExitReason(models.TextChoices):
    HOUSED = "housed", "Logé (bail ou convention d'occupation)"
    LOST_CONTACT = "lost_contact", "Perdu de vue"
    MOVED_AWAY = "moved_away", "Parti du territoire"
    DECEASED = "deceased", "Décédé"
    DECLINED = "declined", "A refusé l'accompagnement"


class HouseholdStatus(models.TextChoices):
    REFERRED = "referred", "Saisine reçue"
    STUDY = "study", "À l'étude"
    COMMISSION = "commission", "En commission"
    ON_LIST = "on_list", "Sur la liste"
    LEFT = "left", "Sorti de la liste"
    REORIENTED = "reoriented", "Réorienté"
    CLOSED = "closed", "Clos sans suite"
    MERGED = "merged", "Fusionné dans un autre ménage"


# Statuses during which the household is followed by the platform (the "active" list).
ACTIVE_STATUSES = frozenset(
    {HouseholdStatus.REFERRED, HouseholdStatus.STUDY, HouseholdStatus.COMMISSION, HouseholdStatus.ON_LIST}
)


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Reçue"
    STUDY = "study", "À l'étude"
    DECIDED = "decided", "Décidée"


class CommitmentStatus(models.TextChoices):
    OPEN = "open", "En cours"
    DONE = "done", "Réalisé"
    CANCELLED = "cancelled", "Abandonné"


# --- rights of the person (spec 6) ----------------------------------------------------------------


class RightsFlag(models.TextChoices):
    """What a person asked for about the processing of their data (RGPD articles 18 and 21)."""

    RESTRICTED = "restricted", "Limitation du traitement"
    OPPOSED = "opposed", "Opposition"


class RightsEffect(models.TextChoices):
    """Uses of a file that a person's request can stop."""

    SHARING = "sharing", "Partage avec les organisations partenaires (accord de partage suspendu)"
    PROPOSALS = "proposals", "Appariement et propositions aux bailleurs"
    EXPORTS = "exports", "Exports et listes extraites (tableur, API)"


# Which flag stops what, for the whole household of the flagged person. A restriction keeps the
# data but stops every use beyond the accompaniment itself; an opposition stops the uses the person
# objects to: sharing and being proposed to landlords. The rights export is never blocked (it is
# the person's own right of access).
RIGHTS_EFFECTS: dict[str, frozenset[str]] = {
    RightsFlag.RESTRICTED: frozenset({RightsEffect.SHARING, RightsEffect.PROPOSALS, RightsEffect.EXPORTS}),
    RightsFlag.OPPOSED: frozenset({RightsEffect.SHARING, RightsEffect.PROPOSALS}),
}


def rights_blocks(flags) -> list[str]:
    """The effects stopped by a set of flags (of all the persons of a household), sorted."""
    blocked: set[str] = set()
    for flag in flags:
        blocked |= RIGHTS_EFFECTS[flag]
    return sorted(blocked)


def blocks_filter_value(effect: str) -> str:
    """The JSON fragment a `rights_blocks__icontains` lookup searches for one effect."""
    return f'"{effect}"'

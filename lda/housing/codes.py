"""Vocabularies of housing supply and matching (spec 3). Codes are stored; labels are shown."""

from django.db import models


class UnitKind(models.TextChoices):
    SOCIAL = "logement_social", "Logement social ordinaire"
    PLAI = "plai", "PLAI"
    PLAI_ADAPTED = "plai_adapte", "PLAI adapté"
    IML = "iml", "Logement privé en intermédiation locative (IML)"
    FAMILY_HOUSE = "pension_de_famille", "Pension de famille"
    RESIDENCE_ACCUEIL = "residence_accueil", "Résidence accueil"
    SOCIAL_RESIDENCE = "residence_sociale", "Résidence sociale"
    YOUNG_WORKERS = "fjt", "Foyer de jeunes travailleurs"
    TEMPORARY = "logement_temporaire", "Logement temporaire"


# Kinds that are places in a supported-housing residence (their freed units are shared with the SIAO).
RESIDENCE_KINDS = frozenset(
    {UnitKind.FAMILY_HOUSE, UnitKind.RESIDENCE_ACCUEIL, UnitKind.SOCIAL_RESIDENCE, UnitKind.YOUNG_WORKERS}
)

# The kind of home a household enters, for its exit from the list (households' HomeType).
HOME_TYPE_OF_KIND = {
    UnitKind.SOCIAL: "social",
    UnitKind.PLAI: "social",
    UnitKind.PLAI_ADAPTED: "plai_adapted",
    UnitKind.IML: "iml",
    UnitKind.FAMILY_HOUSE: "pension_famille",
    UnitKind.RESIDENCE_ACCUEIL: "pension_famille",
    UnitKind.SOCIAL_RESIDENCE: "supported",
    UnitKind.YOUNG_WORKERS: "supported",
    UnitKind.TEMPORARY: "supported",
}


class LandlordKind(models.TextChoices):
    SOCIAL = "social", "Bailleur social"
    PRIVATE = "private", "Propriétaire privé (par une agence ou une association)"
    RESIDENCE = "residence", "Gestionnaire de résidence"


class Typology(models.IntegerChoices):
    T1 = 1, "T1"
    T2 = 2, "T2"
    T3 = 3, "T3"
    T4 = 4, "T4"
    T5 = 5, "T5"
    T6 = 6, "T6 et plus"


class Contingent(models.TextChoices):
    PREFECTURE = "prefecture", "État (préfecture)"
    SUB_PREFECTURE = "sous_prefecture", "État (sous-préfecture)"
    ACTION_LOGEMENT = "action_logement", "Action Logement"
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "Intercommunalité (EPCI)"
    DEPARTEMENT = "departement", "Département"
    LANDLORD = "bailleur", "Bailleur (contingent propre)"


class UnitStatus(models.TextChoices):
    PROSPECT = "prospect", "En captation"
    AVAILABLE = "available", "Disponible"
    PROPOSED = "proposed", "Proposé"
    ALLOCATED = "allocated", "Attribué"
    OCCUPIED = "occupied", "Loué / occupé"
    WITHDRAWN = "withdrawn", "Retiré de l'offre"


class CaptureStage(models.TextChoices):
    CONTACTED = "contacted", "Propriétaire contacté"
    VISITED = "visited", "Logement visité"
    AGREED = "agreed", "Accord du propriétaire"
    REFUSED = "refused", "Refus du propriétaire"
    AVAILABLE = "available", "Logement disponible"


class CaptureMode(models.TextChoices):
    MANDATE = "mandat", "Mandat de gestion"
    SUBLEASE = "sous_location", "Location / sous-location"
    SLIDING_LEASE = "bail_glissant", "Bail glissant"


class CaptureRefusal(models.TextChoices):
    RENT = "loyer", "Loyer demandé trop élevé"
    WORKS = "travaux", "Travaux nécessaires trop importants"
    GUARANTEE = "garanties", "Garanties jugées insuffisantes"
    PUBLIC = "public", "Réticence envers le public accompagné"
    SALE = "vente", "Logement vendu ou repris"
    OTHER = "autre", "Autre motif"


class IncentiveReason(models.TextChoices):
    CAPTURE = "captation", "Prime à la captation"
    NEW_FAMILY = "nouvelle_famille", "Nouvelle famille en sous-location"
    WORKS = "travaux", "Aide aux travaux"
    OTHER = "autre", "Autre"


class ProposalStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidature proposée"
    SENT = "sent", "Transmise au bailleur"
    POSTPONED = "postponed", "Ajournée par la commission"
    COMMITTEE_REFUSED = "committee_refused", "Refusée par la commission"
    ALLOCATED = "allocated", "Attribuée par la commission"
    OFFERED = "offered", "Proposée au ménage"
    ACCEPTED = "accepted", "Acceptée par le ménage"
    HOUSEHOLD_REFUSED = "household_refused", "Refusée par le ménage"
    LEASED = "leased", "Bail signé"
    ENTERED = "entered", "Entrée dans le logement"
    WITHDRAWN = "withdrawn", "Retirée"
    LAPSED = "lapsed", "Sans suite (logement attribué à un autre candidat)"


# A proposal in one of these statuses holds the household and the unit (one active proposal).
ACTIVE_PROPOSAL = frozenset(
    {
        ProposalStatus.CANDIDATE,
        ProposalStatus.SENT,
        ProposalStatus.POSTPONED,
        ProposalStatus.ALLOCATED,
        ProposalStatus.OFFERED,
        ProposalStatus.ACCEPTED,
        ProposalStatus.LEASED,
    }
)
CLOSED_PROPOSAL = frozenset(set(ProposalStatus.values) - ACTIVE_PROPOSAL)


class RefusalSide(models.TextChoices):
    HOUSEHOLD = "household", "Le ménage"
    LANDLORD = "landlord", "Le bailleur ou la commission"
    HOLDER = "holder", "Le réservataire"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échoué"


# Publics of kind-specific units (`constraints.KIND_RULES`); a household's are recorded on its demand.
class Public(models.TextChoices):
    LONG_EXCLUSION = "exclusion_longue", "Personne isolée avec un long parcours d'exclusion"
    MENTAL_DISABILITY = "handicap_psychique", "Personne en situation de handicap psychique"
    YOUNG = "jeune", "Jeune de 16 à 30 ans"

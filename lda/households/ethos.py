"""ETHOS, FEANTSA's European typology of homelessness: 13 operational categories (spec 1).

A living situation is recorded as a kind (what a social worker says: "hôtel 115", "CHRS",
"sortie de détention"…); each kind maps to exactly one ETHOS category. The figures group
situations by these categories; the families below are the spec's "housed by previous situation".
"""

from dataclasses import dataclass

from lda.households.codes import Sensitive

ETHOS_CATEGORIES: dict[int, str] = {
    1: "Personnes vivant dans la rue",
    2: "Hébergement d'urgence (115, nuitée hôtelière)",
    3: "Hébergement d'insertion (CHRS…)",
    4: "Hébergement pour femmes",
    5: "Hébergement pour personnes migrantes",
    6: "Sortie d'institution (prison, ASE, hôpital, psychiatrie)",
    7: "Hébergement accompagné de longue durée",
    8: "Hébergé·e chez des tiers ou en squat",
    9: "Menacé·e d'expulsion",
    10: "Menacé·e de violences",
    11: "Habitat non conventionnel, campement, bidonville",
    12: "Logement indigne",
    13: "Surpeuplement extrême",
}

# Families used by the figures (Amiens: about half from the street, 20 % from shelters, 30 % from
# family or friends).
STREET = frozenset({1, 11})
SHELTER = frozenset({2, 3, 4, 5, 7})
FAMILY_FRIENDS = frozenset({8})
FAMILIES: dict[str, frozenset[int]] = {
    "street": STREET,
    "shelter": SHELTER,
    "family_friends": FAMILY_FRIENDS,
}
FAMILY_LABELS = {
    "street": "Rue, habitat de fortune",
    "shelter": "Hébergement (urgence, CHRS, hébergement accompagné)",
    "family_friends": "Chez des tiers",
    "other": "Autres situations",
}


def family_of(ethos: int | None) -> str:
    for name, categories in FAMILIES.items():
        if ethos in categories:
            return name
    return "other"


@dataclass(frozen=True)
class SituationKind:
    code: str
    label: str
    ethos: int
    sensitive: str | None = None  # a kind that reveals a sensitive category


SITUATION_KINDS: tuple[SituationKind, ...] = (
    SituationKind("street", "À la rue", 1),
    SituationKind("night_shelter", "Hébergement de nuit / halte de nuit", 2),
    SituationKind("hotel_115", "Nuitée hôtelière (115)", 2),
    SituationKind("emergency_shelter", "Hébergement d'urgence", 2),
    SituationKind("chrs", "CHRS", 3),
    SituationKind("stabilisation", "Centre de stabilisation", 3),
    SituationKind("women_shelter", "Hébergement pour femmes victimes de violences", 4, Sensitive.VIOLENCE),
    SituationKind("asylum_centre", "CADA, HUDA (demandeurs d'asile)", 5, Sensitive.LEGAL),
    SituationKind("refugee_centre", "CPH (réfugiés)", 5, Sensitive.LEGAL),
    SituationKind("prison", "Détention, sortie de prison", 6, Sensitive.LEGAL),
    SituationKind("child_welfare", "Sortie de l'aide sociale à l'enfance", 6),
    SituationKind("hospital", "Hospitalisation, sortie d'hôpital", 6, Sensitive.HEALTH),
    SituationKind("psychiatry", "Hospitalisation en psychiatrie", 6, Sensitive.MENTAL_HEALTH),
    SituationKind("long_term_support", "Hébergement accompagné de longue durée (ALT, résidence)", 7),
    SituationKind("family_friends", "Hébergé·e chez de la famille ou des amis", 8),
    SituationKind("squat", "Squat", 8),
    SituationKind("eviction_threat", "Menacé·e d'expulsion", 9),
    SituationKind("violence_threat", "Menacé·e de violences au domicile", 10, Sensitive.VIOLENCE),
    SituationKind("camp", "Campement, bidonville, caravane non autorisée", 11),
    SituationKind("unfit_housing", "Logement indigne ou insalubre", 12),
    SituationKind("overcrowding", "Surpeuplement extrême", 13),
)

KINDS: dict[str, SituationKind] = {kind.code: kind for kind in SITUATION_KINDS}
KIND_CHOICES = [(kind.code, f"{kind.label} (ETHOS {kind.ethos})") for kind in SITUATION_KINDS]


def kind_for_ethos(ethos: int) -> SituationKind:
    """The first kind of an ETHOS category (imports that give only the category)."""
    if ethos not in ETHOS_CATEGORIES:
        raise KeyError(ethos)
    return next(kind for kind in SITUATION_KINDS if kind.ethos == ethos)

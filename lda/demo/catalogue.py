"""What the demo territories hold: organisations, documented demo accounts and generated staff.

Fictitious but plausible: every organisation name says "démo" or is generic, every mail domain
is reserved (.invalid) or ours (demo.lda.fr), phone numbers are in ARCEP's fiction range.
"""

from dataclasses import dataclass

from lda.accounts.roles import OrganisationKind as K
from lda.accounts.roles import Role as R

DEMO_PASSWORD = "logement-dabord-demo"  # 20 characters: enough for administrators (16 at least)


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    kind: str
    name: str
    domain: str
    staff: tuple[tuple[str, int], ...] = ()  # (role, how many generated staff at scale 1)


@dataclass(frozen=True)
class TerritorySpec:
    key: str
    name: str
    departement_code: str
    epci_codes: tuple[str, ...]
    cities: tuple[tuple[str, str, int], ...]  # (postcode, city, weight) for addresses
    organisations: tuple[OrganisationSpec, ...]


@dataclass(frozen=True)
class AccountSpec:
    """A documented demo account: fixed e-mail and name, whatever the seed."""

    email: str
    role: str
    organisation_key: str
    first_name: str
    last_name: str


# First digits of the synthetic SIREN by kind, as real ones tend to (public bodies 1/2, associations 7/8…).
SIREN_PREFIX = {
    K.PLATFORM: "2", K.SIAO: "8", K.ASSOCIATION: "7", K.SOCIAL_LANDLORD: "3", K.RESERVATION_HOLDER: "8",
    K.STATE_SERVICE: "13", K.DEPARTEMENT: "22", K.EPCI: "20", K.COMMUNE: "26", K.HEALTH: "26",
    K.JUSTICE: "17", K.OBSERVATORY: "7",
}

MAIN = TerritorySpec(
    key="metropole",
    name="Métropole de démonstration",
    departement_code="13",
    epci_codes=("200054807",),
    cities=(
        ("13001", "Marseille", 3), ("13003", "Marseille", 3), ("13005", "Marseille", 2), ("13013", "Marseille", 2),
        ("13015", "Marseille", 2), ("13100", "Aix-en-Provence", 2), ("13400", "Aubagne", 1),
        ("13500", "Martigues", 1), ("13300", "Salon-de-Provence", 1), ("13127", "Vitrolles", 1),
    ),
    organisations=(
        OrganisationSpec("platform", K.PLATFORM, "Plateforme Logement d'abord de la Métropole",
                         "plateforme-lda-metropole.invalid", ((R.COORDINATOR, 2), (R.OBSERVER, 1))),
        OrganisationSpec("siao", K.SIAO, "SIAO 13", "siao13-demo.invalid",
                         ((R.REFERENT, 8), (R.SOCIAL_WORKER, 2))),
        OrganisationSpec("habitat_accompagnement", K.ASSOCIATION, "Association Habitat et Accompagnement (démo)",
                         "habitat-accompagnement.invalid", ((R.SOCIAL_WORKER, 5), (R.PREVENTION_AGENT, 1))),
        OrganisationSpec("horizon_logement", K.ASSOCIATION, "Association Horizon Logement (démo)",
                         "horizon-logement.invalid", ((R.SOCIAL_WORKER, 4),)),
        OrganisationSpec("passerelles", K.ASSOCIATION, "Association Les Passerelles du Sud (démo)",
                         "passerelles-du-sud.invalid", ((R.SOCIAL_WORKER, 3),)),
        OrganisationSpec("aivs", K.ASSOCIATION, "Agence immobilière sociale Solidarité Habitat (démo)",
                         "solidarite-habitat.invalid", ((R.SOCIAL_WORKER, 2),)),
        OrganisationSpec("hsm", K.SOCIAL_LANDLORD, "Habitat Social Méditerranée (démo)",
                         "habitat-social-mediterranee.invalid", ((R.LANDLORD, 2),)),
        OrganisationSpec("logis_provencal", K.SOCIAL_LANDLORD, "Logis Provençal (démo)",
                         "logis-provencal.invalid", ((R.LANDLORD, 2),)),
        OrganisationSpec("residences_littoral", K.SOCIAL_LANDLORD, "Résidences du Littoral (démo)",
                         "residences-du-littoral.invalid", ((R.LANDLORD, 1),)),
        OrganisationSpec("action_logement", K.RESERVATION_HOLDER, "Action Logement Services — délégation démo",
                         "action-logement-demo.invalid", ((R.LANDLORD, 2),)),
        OrganisationSpec("ddets", K.STATE_SERVICE, "DDETS des Bouches-du-Rhône (démo)",
                         "ddets13-demo.invalid", ((R.STATE_AGENT, 2), (R.PREVENTION_AGENT, 1))),
        OrganisationSpec("prefecture", K.STATE_SERVICE, "Préfecture — pôle contingent préfectoral (démo)",
                         "prefecture-demo.invalid", ((R.LANDLORD, 1), (R.STATE_AGENT, 1))),
        OrganisationSpec("departement", K.DEPARTEMENT, "Conseil départemental (démo)",
                         "departement-demo.invalid", ((R.PREVENTION_AGENT, 2), (R.SOCIAL_WORKER, 2))),
        OrganisationSpec("metropole", K.EPCI, "Métropole de démonstration — direction de l'habitat",
                         "habitat-metropole-demo.invalid", ((R.LANDLORD, 1), (R.OBSERVER, 1))),
        OrganisationSpec("ccas", K.COMMUNE, "CCAS de la ville démo", "ccas-ville-demo.invalid",
                         ((R.SOCIAL_WORKER, 2), (R.PREVENTION_AGENT, 1))),
        OrganisationSpec("ville", K.COMMUNE, "Ville démo — service logement", "ville-demo.invalid",
                         ((R.LANDLORD, 1),)),
        OrganisationSpec("empp", K.HEALTH, "Centre hospitalier démo — EMPP", "ch-demo.invalid",
                         ((R.SOCIAL_WORKER, 2),)),
        OrganisationSpec("spip", K.JUSTICE, "SPIP démo", "spip-demo.invalid", ((R.SOCIAL_WORKER, 1),)),
        OrganisationSpec("observatoire", K.OBSERVATORY, "Observatoire social démo",
                         "observatoire-social-demo.invalid", ((R.OBSERVER, 2),)),
    ),
)

# A second, smaller territory, so that the demo shows one territory never sees the other.
AGGLO = TerritorySpec(
    key="agglo",
    name="Communauté d'agglomération de démonstration",
    departement_code="84",
    epci_codes=("248400251",),
    cities=(("84000", "Avignon", 4), ("84130", "Le Pontet", 1), ("84700", "Sorgues", 1),
            ("84200", "Carpentras", 1), ("84300", "Cavaillon", 1)),
    organisations=(
        OrganisationSpec("agglo_platform", K.PLATFORM, "Plateforme Logement d'abord de l'Agglomération (démo)",
                         "plateforme-lda-agglo.invalid", ((R.COORDINATOR, 1),)),
        OrganisationSpec("agglo_siao", K.SIAO, "SIAO 84 (démo)", "siao84-demo.invalid", ((R.REFERENT, 3),)),
        OrganisationSpec("agglo_association", K.ASSOCIATION, "Association Vaucluse Solidarités Logement (démo)",
                         "vaucluse-solidarites.invalid", ((R.SOCIAL_WORKER, 3),)),
        OrganisationSpec("agglo_landlord", K.SOCIAL_LANDLORD, "Habitat Comtadin (démo)",
                         "habitat-comtadin.invalid", ((R.LANDLORD, 2),)),
        OrganisationSpec("agglo_epci", K.EPCI, "Communauté d'agglomération de démonstration — service habitat",
                         "agglo-demo.invalid", ((R.OBSERVER, 1),)),
    ),
)

TERRITORIES = (MAIN, AGGLO)
DEMO_TERRITORY_NAMES = tuple(t.name for t in TERRITORIES)

# One documented account per role in the main territory, plus the second territory's administrator.
DEMO_ACCOUNTS = (
    AccountSpec("coordination@demo.lda.fr", R.COORDINATOR, "platform", "Hélène", "Marchand"),
    AccountSpec("referent@demo.lda.fr", R.REFERENT, "siao", "Karim", "Benali"),
    AccountSpec("operateur@demo.lda.fr", R.SOCIAL_WORKER, "habitat_accompagnement", "Aminata", "Diallo"),
    AccountSpec("bailleur@demo.lda.fr", R.LANDLORD, "hsm", "Thierry", "Roux"),
    AccountSpec("prevention@demo.lda.fr", R.PREVENTION_AGENT, "departement", "Nathalie", "Girard"),
    AccountSpec("etat@demo.lda.fr", R.STATE_AGENT, "ddets", "Philippe", "Lambert"),
    AccountSpec("observatoire@demo.lda.fr", R.OBSERVER, "observatoire", "Léa", "Nguyen"),
    AccountSpec("admin@demo.lda.fr", R.ADMIN, "platform", "Sébastien", "Morel"),
    AccountSpec("admin@agglo-demo.lda.fr", R.ADMIN, "agglo_platform", "Sandrine", "Faure"),
)

# Social work is a mostly female profession; other roles are closer to parity.
FEMALE_SHARE = {R.SOCIAL_WORKER: 0.75, R.REFERENT: 0.75, R.PREVENTION_AGENT: 0.65}
DEFAULT_FEMALE_SHARE = 0.55
# Staff birth years are drawn relative to this fixed year (not today) so that a seed always gives the same names.
REFERENCE_YEAR = 2026

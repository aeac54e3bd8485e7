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
    city: str = ""  # where its office is; any city of the territory when empty


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
    K.PLATFORM: "2",
    K.SIAO: "8",
    K.ASSOCIATION: "7",
    K.SOCIAL_LANDLORD: "3",
    K.RESERVATION_HOLDER: "8",
    K.STATE_SERVICE: "13",
    K.DEPARTEMENT: "22",
    K.EPCI: "20",
    K.COMMUNE: "26",
    K.HEALTH: "26",
    K.JUSTICE: "17",
    K.OBSERVATORY: "7",
}

MAIN = TerritorySpec(
    key="metropole",
    name="Métropole de démonstration",
    departement_code="13",
    epci_codes=("200054807",),
    cities=(
        ("13001", "Marseille", 3),
        ("13003", "Marseille", 3),
        ("13005", "Marseille", 2),
        ("13013", "Marseille", 2),
        ("13015", "Marseille", 2),
        ("13100", "Aix-en-Provence", 2),
        ("13400", "Aubagne", 1),
        ("13500", "Martigues", 1),
        ("13300", "Salon-de-Provence", 1),
        ("13127", "Vitrolles", 1),
    ),
    organisations=(
        OrganisationSpec(
            key="platform",
            kind=K.PLATFORM,
            name="Plateforme Logement d'abord de la Métropole",
            domain="plateforme-lda-metropole.invalid",
            staff=((R.COORDINATOR, 2), (R.OBSERVER, 1)),
            city="Marseille",
        ),
        OrganisationSpec(
            key="siao",
            kind=K.SIAO,
            name="SIAO 13",
            domain="siao13-demo.invalid",
            staff=((R.REFERENT, 8), (R.SOCIAL_WORKER, 2)),
            city="Marseille",
        ),
        OrganisationSpec(
            key="habitat_accompagnement",
            kind=K.ASSOCIATION,
            name="Association Habitat et Accompagnement (démo)",
            domain="habitat-accompagnement.invalid",
            staff=((R.SOCIAL_WORKER, 5), (R.PREVENTION_AGENT, 1)),
        ),
        OrganisationSpec(
            key="horizon_logement",
            kind=K.ASSOCIATION,
            name="Association Horizon Logement (démo)",
            domain="horizon-logement.invalid",
            staff=((R.SOCIAL_WORKER, 4),),
        ),
        OrganisationSpec(
            key="passerelles",
            kind=K.ASSOCIATION,
            name="Association Les Passerelles du Sud (démo)",
            domain="passerelles-du-sud.invalid",
            staff=((R.SOCIAL_WORKER, 3),),
        ),
        OrganisationSpec(
            key="aivs",
            kind=K.ASSOCIATION,
            name="Agence immobilière sociale Solidarité Habitat (démo)",
            domain="solidarite-habitat.invalid",
            staff=((R.SOCIAL_WORKER, 2),),
        ),
        OrganisationSpec(
            key="hsm",
            kind=K.SOCIAL_LANDLORD,
            name="Habitat Social Méditerranée (démo)",
            domain="habitat-social-mediterranee.invalid",
            staff=((R.LANDLORD, 2),),
        ),
        OrganisationSpec(
            key="logis_provencal",
            kind=K.SOCIAL_LANDLORD,
            name="Logis Provençal (démo)",
            domain="logis-provencal.invalid",
            staff=((R.LANDLORD, 2),),
        ),
        OrganisationSpec(
            key="residences_littoral",
            kind=K.SOCIAL_LANDLORD,
            name="Résidences du Littoral (démo)",
            domain="residences-du-littoral.invalid",
            staff=((R.LANDLORD, 1),),
        ),
        OrganisationSpec(
            key="action_logement",
            kind=K.RESERVATION_HOLDER,
            name="Action Logement Services — délégation démo",
            domain="action-logement-demo.invalid",
            staff=((R.LANDLORD, 2),),
        ),
        OrganisationSpec(
            key="ddets",
            kind=K.STATE_SERVICE,
            name="DDETS des Bouches-du-Rhône (démo)",
            domain="ddets13-demo.invalid",
            staff=((R.STATE_AGENT, 2), (R.PREVENTION_AGENT, 1)),
            city="Marseille",
        ),
        OrganisationSpec(
            key="prefecture",
            kind=K.STATE_SERVICE,
            name="Préfecture — pôle contingent préfectoral (démo)",
            domain="prefecture-demo.invalid",
            staff=((R.LANDLORD, 1), (R.STATE_AGENT, 1)),
            city="Marseille",
        ),
        OrganisationSpec(
            key="departement",
            kind=K.DEPARTEMENT,
            name="Conseil départemental (démo)",
            domain="departement-demo.invalid",
            staff=((R.PREVENTION_AGENT, 2), (R.SOCIAL_WORKER, 2)),
            city="Marseille",
        ),
        OrganisationSpec(
            key="metropole",
            kind=K.EPCI,
            name="Métropole de démonstration — direction de l'habitat",
            domain="habitat-metropole-demo.invalid",
            staff=((R.LANDLORD, 1), (R.OBSERVER, 1)),
            city="Marseille",
        ),
        OrganisationSpec(
            key="ccas",
            kind=K.COMMUNE,
            name="CCAS de la ville démo",
            domain="ccas-ville-demo.invalid",
            staff=((R.SOCIAL_WORKER, 2), (R.PREVENTION_AGENT, 1)),
        ),
        OrganisationSpec(
            key="ville",
            kind=K.COMMUNE,
            name="Ville démo — service logement",
            domain="ville-demo.invalid",
            staff=((R.LANDLORD, 1),),
        ),
        OrganisationSpec(
            key="empp",
            kind=K.HEALTH,
            name="Centre hospitalier démo — EMPP",
            domain="ch-demo.invalid",
            staff=((R.SOCIAL_WORKER, 2),),
        ),
        OrganisationSpec(
            key="spip",
            kind=K.JUSTICE,
            name="SPIP démo",
            domain="spip-demo.invalid",
            staff=((R.SOCIAL_WORKER, 1),),
        ),
        OrganisationSpec(
            key="observatoire",
            kind=K.OBSERVATORY,
            name="Observatoire social démo",
            domain="observatoire-social-demo.invalid",
            staff=((R.OBSERVER, 2),),
        ),
    ),
)

# A second, smaller territory, so that the demo shows one territory never sees the other.
AGGLO = TerritorySpec(
    key="agglo",
    name="Communauté d'agglomération de démonstration",
    departement_code="84",
    epci_codes=("248400251",),
    cities=(
        ("84000", "Avignon", 4),
        ("84130", "Le Pontet", 1),
        ("84700", "Sorgues", 1),
        ("84200", "Carpentras", 1),
        ("84300", "Cavaillon", 1),
    ),
    organisations=(
        OrganisationSpec(
            key="agglo_platform",
            kind=K.PLATFORM,
            name="Plateforme Logement d'abord de l'Agglomération (démo)",
            domain="plateforme-lda-agglo.invalid",
            staff=((R.COORDINATOR, 1),),
            city="Avignon",
        ),
        OrganisationSpec(
            key="agglo_siao",
            kind=K.SIAO,
            name="SIAO 84 (démo)",
            domain="siao84-demo.invalid",
            staff=((R.REFERENT, 3),),
            city="Avignon",
        ),
        OrganisationSpec(
            key="agglo_association",
            kind=K.ASSOCIATION,
            name="Association Vaucluse Solidarités Logement (démo)",
            domain="vaucluse-solidarites.invalid",
            staff=((R.SOCIAL_WORKER, 3),),
        ),
        OrganisationSpec(
            key="agglo_landlord",
            kind=K.SOCIAL_LANDLORD,
            name="Habitat Comtadin (démo)",
            domain="habitat-comtadin.invalid",
            staff=((R.LANDLORD, 2),),
        ),
        OrganisationSpec(
            key="agglo_epci",
            kind=K.EPCI,
            name="Communauté d'agglomération de démonstration — service habitat",
            domain="agglo-demo.invalid",
            staff=((R.OBSERVER, 1),),
            city="Avignon",
        ),
    ),
)

TERRITORIES = (MAIN, AGGLO)
DEMO_TERRITORY_NAMES = tuple(t.name for t in TERRITORIES)

# One documented account per role in the main territory (two social workers: an operator's and the
# Département's chef SLISL), plus the second territory's administrator.
DEMO_ACCOUNTS = (
    AccountSpec("coordination@demo.lda.fr", R.COORDINATOR, "platform", "Hélène", "Marchand"),
    AccountSpec("referent@demo.lda.fr", R.REFERENT, "siao", "Karim", "Benali"),
    AccountSpec("operateur@demo.lda.fr", R.SOCIAL_WORKER, "habitat_accompagnement", "Aminata", "Diallo"),
    AccountSpec("bailleur@demo.lda.fr", R.LANDLORD, "hsm", "Thierry", "Roux"),
    AccountSpec("prevention@demo.lda.fr", R.PREVENTION_AGENT, "departement", "Nathalie", "Girard"),
    # The head of the Département's local social service (chef SLISL): agrees to VIAL derogations
    # and ASELL renewals.
    AccountSpec("slisl@demo.lda.fr", R.SOCIAL_WORKER, "departement", "Isabelle", "Fabre"),
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

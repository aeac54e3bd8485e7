"""The measure types shipped with LDA, as data: VIAL exactly as seed 003 gives it, and six
configured examples a territory adjusts to its own conventions (their figures are plausible
defaults, not national rules — the change note of version 1 says so).

`install_defaults(territory)` creates the missing ones; a territory administrator then edits them
in the UI, which makes new versions.
"""

from decimal import Decimal

from django.db import transaction

from lda.measures.models import MeasureType, MeasureTypeVersion

VIAL_NOTE = "Valeurs de l'appel à projets VIAL (Département du Pas-de-Calais, 2025)."
EXAMPLE_NOTE = "Exemple fourni avec LDA : ajustez durées, intensité et coût à votre convention."

DEFAULT_TYPES: list[dict] = [
    {
        "code": "vial",
        "name": "VIAL — Vers l'insertion et l'autonomie en logement",
        "change_note": VIAL_NOTE,
        "target_public": (
            "Personnes en errance sociale, marginalisées, présentant des troubles psychiques et/ou des addictions."
        ),
        "orienting_by": (
            "Le coordinateur Logement d'abord, en lien avec le chef du SLISL, après saisine de la plateforme et "
            "étude de la situation, ou la commission des parcours complexes."
        ),
        "standard_months": 12,
        "max_months": 30,
        "pre_housing_months": 3,
        "pre_housing_reduces_sliding_lease": True,
        "review_months": [3, 6, 12],
        "informal_review_months": [3],
        "renewal_step_months": 6,
        "renewal_cap_months": 12,
        "renewal_approvers": ["coordinator"],
        "derogation_months": 6,
        "derogation_approvers": ["coordinator", "chef_slisl"],
        "meetings_per_week": 3,
        "home_visits_per_week": 1,
        "availability": (
            "Rencontres à moduler selon les besoins ; équipe joignable en début de soirée jusqu'à 22 h et le "
            "week-end ; astreinte téléphonique."
        ),
        "unit_cost": Decimal("7000"),
        "advance_share": Decimal("0.60"),
        "indirect_cost_cap": Decimal("0.25"),
        "monthly_aid": None,
        "monthly_count": True,
        "re_entry": True,
        "hand_over_required": True,
    },
    {
        "code": "fnavdl",
        "name": "Accompagnement vers et dans le logement (FNAVDL)",
        "change_note": EXAMPLE_NOTE,
        "target_public": "Ménages reconnus prioritaires (DALO) ou relevant du Logement d'abord, avant et après le relogement.",
        "orienting_by": "Le coordinateur Logement d'abord ou le SIAO, à la proposition d'un logement par un bailleur.",
        "standard_months": 6,
        "max_months": 18,
        "pre_housing_months": 3,
        "review_months": [3, 6],
        "renewal_step_months": 6,
        "renewal_cap_months": 12,
        "renewal_approvers": ["coordinator"],
        "meetings_per_week": 1,
        "home_visits_per_week": 0,
        "unit_cost": Decimal("2500"),
        "advance_share": Decimal("0.50"),
        "indirect_cost_cap": Decimal("0.20"),
        "hand_over_required": True,
    },
    {
        "code": "asell",
        "name": "Accompagnement social lié au logement (ASELL — FSL)",
        "change_note": EXAMPLE_NOTE,
        "target_public": "Ménages ayant besoin d'un appui pour accéder à un logement ou s'y maintenir (FSL).",
        "orienting_by": "Le SIAO ou le service social départemental, sur décision du FSL.",
        "standard_months": 6,
        "max_months": 12,
        "review_months": [6],
        "renewal_step_months": 6,
        "renewal_cap_months": 6,
        "renewal_approvers": ["chef_slisl"],
        "meetings_per_week": 1,
        "home_visits_per_week": 0,
        "unit_cost": Decimal("1800"),
        "advance_share": Decimal("0.50"),
    },
    {
        "code": "envaul",
        "name": "ENVAUL — Entrée dans la vie autonome par le logement (18–25 ans)",
        "change_note": EXAMPLE_NOTE,
        "target_public": (
            "Jeunes de 18 à 25 ans sans abri, notamment sortant de l'aide sociale à l'enfance : aide mensuelle de "
            "500 €, sous-location avec bail glissant et accompagnement renforcé."
        ),
        "orienting_by": "Le coordinateur Logement d'abord, après saisine de la plateforme.",
        "standard_months": 12,
        "max_months": 18,
        "pre_housing_months": 3,
        "pre_housing_reduces_sliding_lease": True,
        "review_months": [3, 6, 12],
        "informal_review_months": [3],
        "renewal_step_months": 6,
        "renewal_cap_months": 6,
        "renewal_approvers": ["coordinator"],
        "meetings_per_week": 2,
        "home_visits_per_week": 1,
        "unit_cost": Decimal("9000"),
        "advance_share": Decimal("0.60"),
        "indirect_cost_cap": Decimal("0.25"),
        "monthly_aid": Decimal("500"),
        "hand_over_required": True,
    },
    {
        "code": "chez_soi",
        "name": "Un chez-soi d'abord",
        "reveals": "mental_health",
        "change_note": EXAMPLE_NOTE,
        "target_public": (
            "Personnes sans abri présentant des troubles psychiques sévères et des addictions : accès direct au "
            "logement depuis la rue avec un accompagnement intensif et pluridisciplinaire à domicile "
            "(plus de 85 % restent logées)."
        ),
        "orienting_by": "La commission d'orientation du dispositif, sur proposition de la plateforme.",
        "standard_months": 24,
        "max_months": 72,
        "review_months": [6, 12, 24],
        "renewal_step_months": 12,
        "renewal_cap_months": 48,
        "renewal_approvers": ["coordinator"],
        "meetings_per_week": 1,
        "home_visits_per_week": 1,
        "availability": "Équipe joignable 7 jours sur 7 ; astreinte.",
        "unit_cost": Decimal("14000"),
        "advance_share": Decimal("0.50"),
    },
    {
        "code": "prevention_mobile",
        "name": "Équipe mobile de prévention des expulsions",
        "change_note": EXAMPLE_NOTE,
        "target_public": "Ménages locataires menacés d'expulsion, souvent inconnus des services sociaux.",
        "orienting_by": "La CCAPEX, le bailleur ou le coordinateur Logement d'abord.",
        "standard_months": 3,
        "max_months": 6,
        "review_months": [3],
        "renewal_step_months": 3,
        "renewal_cap_months": 3,
        "renewal_approvers": ["coordinator"],
        "meetings_per_week": 1,
        "home_visits_per_week": 1,
        "unit_cost": Decimal("1500"),
        "advance_share": Decimal("0.50"),
        "hand_over_required": True,
    },
    {
        "code": "coaching_ips",
        "name": "Accompagnement vers l'emploi (job coach, modèle IPS)",
        "change_note": EXAMPLE_NOTE,
        "target_public": "Personnes hébergées ou nouvellement logées qui souhaitent travailler (« emploi et logement d'abord »).",
        "orienting_by": "Le coordinateur Logement d'abord ou l'opérateur qui accompagne le ménage.",
        "standard_months": 12,
        "max_months": 18,
        "review_months": [6, 12],
        "renewal_step_months": 6,
        "renewal_cap_months": 6,
        "renewal_approvers": ["coordinator"],
        "meetings_per_week": 1,
        "home_visits_per_week": 0,
        "unit_cost": Decimal("4000"),
        "advance_share": Decimal("0.50"),
    },
]


@transaction.atomic
def install_defaults(territory, user=None) -> list[MeasureType]:
    """Creates the shipped types the territory does not have yet (by code); returns those created."""
    existing = set(MeasureType.objects.filter(territory=territory).values_list("code", flat=True))
    created = []
    for spec in DEFAULT_TYPES:
        if spec["code"] in existing:
            continue
        fields = dict(spec)
        measure_type = MeasureType.objects.create(
            territory=territory, code=fields.pop("code"), name=fields.pop("name"), reveals=fields.pop("reveals", "")
        )
        MeasureTypeVersion.objects.create(measure_type=measure_type, number=1, created_by=user, **fields)
        created.append(measure_type)
    return created

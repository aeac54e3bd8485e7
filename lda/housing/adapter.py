"""Between the models and the pure engine: the territory's grid and rules as engine values, the
households on the list and the available units as engine records, in a bounded number of queries.

Grid criteria are derived from the household file (`criteria_of`), never typed twice: DALO, the
current ETHOS category, the priority publics, the accessibility needs.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count

from lda.households import codes as hcodes
from lda.households.codes import PersonRole, Sensitive
from lda.households.models import Household, Person, Resource
from lda.housing import codes, constraints, data, scoring
from lda.housing.models import MatchingRules, Proposal, ScoringGrid, Unit

# Criteria the adapter can derive, with what reveals a sensitive category (masked in the
# explanation for anyone who may not see that category of the file).
CRITERIA: dict[str, str] = {
    "dalo": "Reconnu prioritaire et urgent (DALO)",
    "sans_abri": "Sans abri ou en habitat de fortune",
    "violences": "Victime de violences au sein du couple ou de la famille",
    "hebergement": "Hébergé en structure d'hébergement ou en logement temporaire",
    "expulsion": "Menacé d'expulsion sans relogement",
    "sortie_institution": "Sortant d'institution (hôpital, prison, ASE)",
    "handicap": "En situation de handicap ou avec une personne handicapée à charge",
    "suroccupation": "Logement suroccupé ou indécent",
    "jeune": "Jeune de moins de 25 ans",
    "anciennete": "Ancienneté de la demande (par mois)",
}
SENSITIVE_CRITERIA: dict[str, str] = {
    "violences": Sensitive.VIOLENCE,
    "sortie_institution": Sensitive.LEGAL,
    "handicap": Sensitive.HEALTH,
}

PP = hcodes.PriorityPublic


def criteria_of(household: Household) -> frozenset[str]:
    """The grid criteria a household meets, from its file."""
    ethos = household.current_ethos
    publics = set(household.priority_publics or [])
    met = set()
    if household.dalo_recognised:
        met.add("dalo")
    if ethos in (1, 2, 11):
        met.add("sans_abri")
    if ethos in (3, 5, 7):
        met.add("hebergement")
    if ethos in (4, 10) or PP.VIOLENCE_VICTIM in publics:
        met.add("violences")
    if ethos == 9 or PP.EVICTED in publics:
        met.add("expulsion")
    if ethos == 6 or PP.LEAVING_PRISON in publics or PP.LEAVING_CHILD_WELFARE in publics:
        met.add("sortie_institution")
    if PP.MENTAL_DISABILITY in publics or household.needs_accessible:
        met.add("handicap")
    if ethos in (12, 13):
        met.add("suroccupation")
    if PP.UNDER_25 in publics:
        met.add("jeune")
    return frozenset(met)


def priority_of(household: Household) -> str:
    """DALO before labelled priority publics before the others (spec 3)."""
    if household.dalo_recognised:
        return "dalo"
    if household.priority_publics:
        return "prioritaire"
    return "autre"


def months_between(start: date | None, today: date) -> int:
    if start is None:
        return 0
    return max((today.year - start.year) * 12 + today.month - start.month - (today.day < start.day), 0)


# --- the territory's grid and rules ------------------------------------------------------------

DEFAULT_TYPOLOGIES = {str(k): sorted(v) for k, v in constraints.TYPOLOGIES_BY_SIZE.items()}
DEFAULT_KIND_RULES = {
    kind: {"max_persons": rule.max_persons, "publics": sorted(rule.publics)}
    for kind, rule in constraints.KIND_RULES.items()
}


def default_grid_fields() -> dict:
    grid = scoring.DEFAULT_GRID
    return {
        "criteria": [
            {"code": c.code, "label": c.label, "points": c.points, "per_month": c.per_month, "cap_months": c.cap_months}
            for c in grid.criteria
        ],
        "wish_points": list(grid.wish_points),
        "later_wish_points": grid.later_wish_points,
        "any_commune_points": grid.any_commune_points,
    }


def default_rules_fields() -> dict:
    t = constraints.Thresholds()
    return {
        "max_effort_rate": t.max_effort_rate,
        "min_daily_rest_per_uc": t.min_daily_rest_per_uc,
        "max_active_proposals": t.max_active_proposals,
        "typologies_by_size": DEFAULT_TYPOLOGIES,
        "kind_rules": DEFAULT_KIND_RULES,
        "open_contingents": sorted(constraints.OPEN_CONTINGENTS),
    }


def current_grid(territory_id: int) -> ScoringGrid | None:
    return ScoringGrid.objects.filter(territory_id=territory_id).order_by("-number").first()


def current_rules(territory_id: int) -> MatchingRules | None:
    return MatchingRules.objects.filter(territory_id=territory_id).order_by("-number").first()


def engine_grid(grid: ScoringGrid) -> scoring.Grid:
    return scoring.Grid(
        version=f"v{grid.number}",
        criteria=tuple(
            scoring.Criterion(
                c["code"], c["label"], int(c["points"]), bool(c.get("per_month")), c.get("cap_months") or None
            )
            for c in grid.criteria
        ),
        wish_points=tuple(int(p) for p in grid.wish_points),
        later_wish_points=grid.later_wish_points,
        any_commune_points=grid.any_commune_points,
        refusal_penalty=grid.refusal_penalty if grid.refusal_lowers_priority else 0,
    )


def engine_thresholds(rules: MatchingRules) -> constraints.Thresholds:
    return constraints.Thresholds(
        territory=str(rules.territory_id),
        version=f"v{rules.number}",
        max_effort_rate=Decimal(rules.max_effort_rate),  # exact: money is compared in cents (decision 0026)
        min_daily_rest_per_uc=Decimal(rules.min_daily_rest_per_uc),
        max_active_proposals=rules.max_active_proposals,
        typologies_by_size={int(k): frozenset(v) for k, v in rules.typologies_by_size.items()},
        kind_rules={
            k: constraints.KindRule(v.get("max_persons"), frozenset(v.get("publics") or ()))
            for k, v in rules.kind_rules.items()
        },
        open_contingents=frozenset(rules.open_contingents),
    )


# --- records -----------------------------------------------------------------------------------


def _family_type(adults: int, children: int) -> str:
    if adults <= 1:
        return "monoparentale" if children else "isole"
    if adults == 2:
        return "couple_enfants" if children else "couple"
    return "autre"


def engine_households(territory_id: int, today: date, household_ids=None) -> list[data.Household]:
    """The households on the list (or `household_ids`), as engine records, in 6 queries."""
    households = Household.objects.filter(territory_id=territory_id, merged_into__isnull=True).select_related(
        "demand_profile"
    )
    if household_ids is None:
        # A person's restriction or opposition takes the household out of matching (spec 6).
        households = households.filter(status=hcodes.HouseholdStatus.ON_LIST).exclude(
            rights_blocks__icontains=hcodes.blocks_filter_value(hcodes.RightsEffect.PROPOSALS)
        )
    else:
        households = households.filter(pk__in=list(household_ids))
    households = list(households)
    ids = [h.pk for h in households]
    persons = defaultdict(list)
    for p in Person.objects.filter(household_id__in=ids, merged_into__isnull=True).only(
        "household_id", "role", "sex", "is_head"
    ):
        persons[p.household_id].append(p)
    money = defaultdict(Decimal)  # exact sums: the engine compares cents (decision 0026)
    benefit = defaultdict(Decimal)
    for household_id, kind, amount in Resource.objects.filter(household_id__in=ids).values_list(
        "household_id", "kind", "monthly_amount"
    ):
        if kind == hcodes.ResourceKind.HOUSING_BENEFIT:
            benefit[household_id] += Decimal(amount)
        else:
            money[household_id] += Decimal(amount)
    active = dict(
        Proposal.objects.filter(household_id__in=ids, status__in=codes.ACTIVE_PROPOSAL)
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    declined = defaultdict(set)
    for household_id, unit_id in Proposal.objects.filter(
        household_id__in=ids,
        status__in=[codes.ProposalStatus.COMMITTEE_REFUSED, codes.ProposalStatus.HOUSEHOLD_REFUSED],
    ).values_list("household_id", "unit_id"):
        declined[household_id].add(unit_id)
    refusals = dict(
        Proposal.objects.filter(
            household_id__in=ids,
            status=codes.ProposalStatus.HOUSEHOLD_REFUSED,
            refusal_reason__legitimate=False,
        )
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    records = []
    for h in households:
        members = persons[h.pk]
        children = sum(1 for p in members if p.role == PersonRole.CHILD)
        adults = max(len(members) - children, 1)
        head = next((p for p in members if p.is_head), members[0] if members else None)
        profile = getattr(h, "demand_profile", None)
        records.append(
            data.Household(
                id=h.pk,
                adults=adults,
                children=children,
                resources=money[h.pk],
                housing_benefit=Decimal(profile.housing_benefit)
                if profile and profile.housing_benefit
                else benefit[h.pk],
                priority=priority_of(h),
                criteria=criteria_of(h),
                months_on_list=months_between(h.sne_filed_on or h.entered_list_on, today),
                wheelchair=h.needs_accessible,
                ground_or_lift=h.needs_ground_floor,
                accepted_communes=tuple(dict.fromkeys(h.accepted_communes or [])),
                refused_communes=frozenset(h.refused_communes or []),
                contingents=frozenset(profile.contingents if profile else ()),
                publics=frozenset(profile.publics if profile else ()),
                declined_units=frozenset(declined[h.pk]),
                active_proposals=active.get(h.pk, 0),
                refusals=refusals.get(h.pk, 0),
                sex=head.sex if head and head.sex in ("F", "M") else "X",
                family_type=_family_type(adults, children),
            )
        )
    return records


def engine_unit(unit: Unit) -> data.Unit:
    return data.Unit(
        id=unit.pk,
        commune=unit.commune_insee,
        kind=unit.kind,
        typology=unit.typology,
        surface=float(unit.surface),
        floor=unit.floor,
        lift=unit.lift,
        wheelchair_accessible=unit.wheelchair_accessible,
        rent=Decimal(unit.rent),
        charges=Decimal(unit.charges),
        contingent=unit.contingent_kind,
        qpv=unit.qpv,
    )


def available_units(territory_id: int) -> list[Unit]:
    """Units open to matching: available, with no proposal under way."""
    busy = Proposal.objects.filter(status__in=codes.ACTIVE_PROPOSAL).exclude(status=codes.ProposalStatus.CANDIDATE)
    return list(
        Unit.objects.filter(territory_id=territory_id, status=codes.UnitStatus.AVAILABLE)
        .exclude(pk__in=busy.values("unit_id"))
        .order_by("pk")
    )


def sensitive_criteria_hidden(can_see_sensitive) -> set[str]:
    """Criteria codes to mask for a viewer; `can_see_sensitive(category) -> bool`."""
    return {code for code, category in SENSITIVE_CRITERIA.items() if not can_see_sensitive(category)}

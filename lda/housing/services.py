"""Every write to the housing supply: units and their status, residences, capture, contingents,
targets, and the territory's grid, rules and refusal reasons. Proposals are in `proposals.py`,
matching runs in `runs.py`.

Views, the API and the demo call these functions, so a rule holds whoever writes. Errors are
`ValidationError` (French, per field), `lifecycle.TransitionRefused` or `Stale`.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from lda.core.validators import NIR_MESSAGE, contains_nir_like
from lda.households.services import Author, check_not_future
from lda.housing import adapter, codes, lifecycle, scoring
from lda.housing.models import (
    CaptureProspect,
    CaptureTarget,
    ContingentQuota,
    Incentive,
    MatchingRules,
    RefusalReason,
    Residence,
    ScoringGrid,
    Unit,
    UnitEvent,
)

STALE_MESSAGE = (
    "Cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page, puis recommencez."
)
INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class Stale(Exception):
    def __init__(self, message=STALE_MESSAGE):
        super().__init__(message)


def check_insee(value: str, field_name: str = "commune_insee"):
    if not INSEE.match(value or ""):
        raise ValidationError({field_name: "Indiquez le code INSEE de la commune (5 caractères, par ex. 38185)."})


def _check_text(**fields):
    errors = {name: NIR_MESSAGE for name, text in fields.items() if contains_nir_like(str(text or ""))}
    if errors:
        raise ValidationError(errors)


def _money(value, field_name: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field_name: f"{label} : indiquez un montant en euros."}) from None
    if amount < 0 or amount > Decimal("100000"):
        raise ValidationError({field_name: f"{label} : le montant doit être compris entre 0 et 100 000 €."})
    return amount.quantize(Decimal("0.01"))


# --- shipped defaults ----------------------------------------------------------------------------

# The maintained taxonomy of refusals (code, label, side, legitimate). A territory adds its own.
REFUSAL_REASONS: tuple[tuple[str, str, str, bool], ...] = (
    ("menage-localisation", "Localisation incompatible (travail, école, soins, proches)", "household", True),
    ("menage-inadapte", "Logement inadapté à la composition ou à la santé du ménage", "household", True),
    ("menage-etat", "État du logement", "household", True),
    ("menage-cout", "Coût du logement trop élevé pour le ménage", "household", True),
    ("menage-environnement", "Environnement ou voisinage (insécurité, violences)", "household", True),
    ("menage-autre-solution", "Le ménage a trouvé une autre solution", "household", True),
    ("menage-sans-motif", "Refus sans motif exprimé", "household", False),
    ("menage-injoignable", "Ménage injoignable ou absent à la visite", "household", False),
    ("bailleur-dossier", "Dossier incomplet", "landlord", True),
    ("bailleur-mieux-classe", "Attribué à un candidat mieux classé", "landlord", True),
    ("bailleur-inadapte", "Logement inadapté au ménage", "landlord", True),
    ("bailleur-ressources", "Ressources jugées insuffisantes", "landlord", False),
    ("bailleur-dette", "Dette locative antérieure", "landlord", False),
    ("bailleur-peuplement", "Équilibre de peuplement de la résidence", "landlord", False),
    ("reservataire-hors-public", "Ménage hors du public du contingent", "holder", True),
    ("reservataire-autre-candidat", "Le réservataire présente son propre candidat", "holder", False),
)


@transaction.atomic
def install_defaults(territory, user=None) -> None:
    """The shipped grid, rules and refusal reasons for a territory that has none (idempotent)."""
    if not ScoringGrid.objects.filter(territory=territory).exists():
        ScoringGrid.objects.create(
            territory=territory,
            number=1,
            note="Grille d'exemple livrée avec LDA",
            created_by=user,
            **adapter.default_grid_fields(),
        )
    if not MatchingRules.objects.filter(territory=territory).exists():
        MatchingRules.objects.create(
            territory=territory,
            number=1,
            note="Règles livrées avec LDA",
            created_by=user,
            **adapter.default_rules_fields(),
        )
    existing = set(RefusalReason.objects.filter(territory=territory).values_list("code", flat=True))
    RefusalReason.objects.bulk_create(
        RefusalReason(territory=territory, code=code, label=label, side=side, legitimate=legitimate)
        for code, label, side, legitimate in REFUSAL_REASONS
        if code not in existing
    )


# --- grid and rules versions --------------------------------------------------------------------


def check_grid(fields: dict) -> None:
    """Per-field French errors for a grid version's fields."""
    errors = {}
    criteria = fields.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        errors["criteria"] = "La grille compte au moins un critère."
    else:
        seen = set()
        for n, c in enumerate(criteria, start=1):
            code = c.get("code") if isinstance(c, dict) else None
            if code not in adapter.CRITERIA:
                errors["criteria"] = (
                    f"Critère n° {n} : « {code} » n'est pas un critère connu ({', '.join(adapter.CRITERIA)})."
                )
                break
            if code in seen:
                errors["criteria"] = f"Le critère « {code} » figure deux fois."
                break
            seen.add(code)
            points = c.get("points")
            if not isinstance(points, int) or isinstance(points, bool) or not -1000 <= points <= 1000:
                errors["criteria"] = f"Critère « {code} » : les points sont un nombre entier entre -1000 et 1000."
                break
            if (
                c.get("per_month")
                and c.get("cap_months") is not None
                and not (isinstance(c["cap_months"], int) and 1 <= c["cap_months"] <= 240)
            ):
                errors["criteria"] = f"Critère « {code} » : le plafond est un nombre de mois entre 1 et 240."
                break
    wish = fields.get("wish_points", [])
    if not isinstance(wish, list) or len(wish) > 10 or not all(isinstance(p, int) and 0 <= p <= 1000 for p in wish):
        errors["wish_points"] = "Indiquez au plus 10 nombres entiers entre 0 et 1000, séparés par des virgules."
    for name in ("later_wish_points", "any_commune_points", "refusal_penalty"):
        value = fields.get(name, 0)
        if not isinstance(value, int) or not 0 <= value <= 1000:
            errors[name] = "Indiquez un nombre entier de points entre 0 et 1000."
    if fields.get("refusal_lowers_priority") and not fields.get("refusal_penalty"):
        errors["refusal_penalty"] = "Indiquez combien de points un refus non légitime retire."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def new_grid_version(territory, author: Author, fields: dict, note: str) -> ScoringGrid:
    if not (note or "").strip():
        raise ValidationError({"note": "Indiquez le motif du changement (délibération, avenant…)."})
    check_grid(fields)
    current = adapter.current_grid(territory.pk)
    allowed = {
        "criteria",
        "wish_points",
        "later_wish_points",
        "any_commune_points",
        "refusal_lowers_priority",
        "refusal_penalty",
    }
    return ScoringGrid.objects.create(
        territory=territory,
        number=(current.number + 1) if current else 1,
        note=note.strip(),
        created_by=author.user,
        **{k: v for k, v in fields.items() if k in allowed},
    )


def check_rules(fields: dict) -> None:
    errors = {}
    try:
        rate = Decimal(str(fields.get("max_effort_rate")))
        if not Decimal("0.05") <= rate <= Decimal("0.6"):
            raise ValueError
    except (InvalidOperation, ValueError, TypeError):
        errors["max_effort_rate"] = "Le taux d'effort maximal est compris entre 0,05 et 0,60 (par ex. 0,30 pour 30 %)."
    try:
        rest = Decimal(str(fields.get("min_daily_rest_per_uc")))
        if not Decimal("0") <= rest <= Decimal("50"):
            raise ValueError
    except (InvalidOperation, ValueError, TypeError):
        errors["min_daily_rest_per_uc"] = (
            "Le reste à vivre minimal est compris entre 0 et 50 € par jour et par unité de consommation."
        )
    active = fields.get("max_active_proposals", 1)
    if not isinstance(active, int) or not 1 <= active <= 3:
        errors["max_active_proposals"] = "Un ménage a de 1 à 3 propositions en cours au plus."
    table = fields.get("typologies_by_size") or {}
    try:
        sizes = sorted(int(k) for k in table)
        if sizes != list(range(1, len(sizes) + 1)) or not sizes:
            raise ValueError
        for values in table.values():
            if not values or not all(isinstance(t, int) and 1 <= t <= 6 for t in values):
                raise ValueError
    except (ValueError, TypeError):
        errors["typologies_by_size"] = (
            "Pour chaque taille de ménage de 1 à N personnes, indiquez les typologies possibles (1 à 6 pour T1 à T6+)."
        )
    kinds = fields.get("kind_rules") or {}
    if not isinstance(kinds, dict) or any(k not in codes.UnitKind.values for k in kinds):
        errors["kind_rules"] = "Les publics spécifiques portent sur des types de logement connus."
    elif any(p not in codes.Public.values for rule in kinds.values() for p in (rule.get("publics") or [])):
        errors["kind_rules"] = f"Publics possibles : {', '.join(codes.Public.values)}."
    opened = fields.get("open_contingents") or []
    if any(c not in codes.Contingent.values for c in opened):
        errors["open_contingents"] = "Les contingents ouverts à tous sont des contingents connus."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def new_rules_version(territory, author: Author, fields: dict, note: str) -> MatchingRules:
    if not (note or "").strip():
        raise ValidationError({"note": "Indiquez le motif du changement."})
    check_rules(fields)
    current = adapter.current_rules(territory.pk)
    allowed = {
        "max_effort_rate",
        "min_daily_rest_per_uc",
        "max_active_proposals",
        "typologies_by_size",
        "kind_rules",
        "open_contingents",
    }
    return MatchingRules.objects.create(
        territory=territory,
        number=(current.number + 1) if current else 1,
        note=note.strip(),
        created_by=author.user,
        **{k: v for k, v in fields.items() if k in allowed},
    )


def score_breakdown(household_record, grid: ScoringGrid) -> list[scoring.Term]:
    """A household's score criterion by criterion for any grid version (reproducible)."""
    return scoring.breakdown(household_record, adapter.engine_grid(grid))


# --- units ----------------------------------------------------------------------------------------

UNIT_FIELDS = (
    "reference",
    "landlord",
    "landlord_kind",
    "residence",
    "contingent",
    "contingent_kind",
    "address",
    "commune_insee",
    "commune_name",
    "qpv",
    "kind",
    "typology",
    "surface",
    "floor",
    "lift",
    "wheelchair_accessible",
    "rent",
    "charges",
    "available_on",
    "capture_mode",
)


def check_unit(unit: Unit) -> None:
    """Whole-record checks a form or the API cannot express field by field."""
    errors = {}
    if not INSEE.match(unit.commune_insee or ""):
        errors["commune_insee"] = "Indiquez le code INSEE de la commune (5 caractères, par ex. 38185)."
    if unit.kind not in codes.UnitKind.values:
        errors["kind"] = "Choisissez le type de logement."
    if unit.typology not in codes.Typology.values:
        errors["typology"] = "Choisissez la typologie (T1 à T6 et plus)."
    if unit.contingent_id and unit.contingent.kind != unit.contingent_kind:
        errors["contingent"] = "Le contingent choisi ne correspond pas au type de contingent indiqué."
    if unit.contingent_id and unit.contingent.territory_id != unit.territory_id:
        errors["contingent"] = "Ce contingent appartient à un autre territoire."
    if unit.residence_id:
        if unit.residence.territory_id != unit.territory_id:
            errors["residence"] = "Cette résidence appartient à un autre territoire."
        elif unit.kind != unit.residence.kind:
            errors["kind"] = "Un logement d'une résidence est du type de la résidence."
    if unit.landlord.territory_id != unit.territory_id:
        errors["landlord"] = "Ce bailleur appartient à un autre territoire."
    if unit.kind == codes.UnitKind.IML and unit.landlord_kind != codes.LandlordKind.PRIVATE:
        errors["landlord_kind"] = "Un logement en intermédiation locative appartient à un propriétaire privé."
    if unit.capture_mode and unit.landlord_kind != codes.LandlordKind.PRIVATE:
        errors["capture_mode"] = "Le mode de captation ne concerne que les logements privés."
    if unit.surface is not None and unit.surface > 400:
        errors["surface"] = "La surface dépasse 400 m² : vérifiez la saisie."
    for name, label in (("rent", "Le loyer"), ("charges", "Les charges")):
        value = getattr(unit, name)
        if value is not None and value > 10000:
            errors[name] = f"{label} dépasse 10 000 € par mois : vérifiez la saisie."
    try:
        _check_text(address=unit.address, reference=unit.reference)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if Unit.objects.filter(territory_id=unit.territory_id, reference=unit.reference).exclude(pk=unit.pk).exists():
        errors["reference"] = "Cette référence est déjà celle d'un autre logement du territoire."
    if errors:
        raise ValidationError(errors)


def _log_unit(unit: Unit, action: str, before: str, on: date, author: Author | None, note="", to_siao=None):
    UnitEvent.objects.create(
        unit=unit,
        action=action,
        status_from=before,
        status_to=unit.status,
        occurred_on=on,
        to_siao=to_siao,
        note=note,
        user_id=author.user_id if author else None,
        organisation_id=author.organisation_id if author else None,
    )


@transaction.atomic
def create_unit(
    territory, author: Author | None, status: str = codes.UnitStatus.AVAILABLE, on: date | None = None, **fields
) -> Unit:
    if status not in (codes.UnitStatus.AVAILABLE, codes.UnitStatus.PROSPECT):
        raise ValidationError({"status": "Un logement entre dans l'offre en captation ou disponible."})
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError({name: "Champ inconnu." for name in unknown})
    on = on or timezone.localdate()
    unit = Unit(territory=territory, status=status, status_since=on, **fields)
    unit.full_clean(exclude=["territory", "status_since"], validate_unique=False)
    check_unit(unit)
    unit.save()
    _log_unit(unit, "create", "", on, author)
    return unit


def lock_unit(unit: Unit, expected_version: int | None = None) -> Unit:
    fresh = (
        Unit.objects.select_for_update(of=("self",))
        .select_related("residence", "contingent", "landlord")
        .get(pk=unit.pk)
    )
    if expected_version is not None and fresh.version != expected_version:
        raise Stale()
    return fresh


def _save_unit(unit: Unit, *fields: str) -> None:
    Unit.objects.filter(pk=unit.pk).update(version=F("version") + 1, **{name: getattr(unit, name) for name in fields})
    unit.version += 1


@transaction.atomic
def update_unit(unit: Unit, author: Author, expected_version: int, **changes) -> Unit:
    fresh = lock_unit(unit, expected_version)
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError({name: "Champ inconnu." for name in unknown})
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.full_clean(exclude=["territory", "status_since"], validate_unique=False)
    check_unit(fresh)
    _save_unit(fresh, *changes)
    return fresh


def move_unit(
    unit: Unit, action: str, author: Author | None, on: date | None = None, note: str = "", to_siao=None
) -> Unit:
    """Applies a status action to a locked unit and logs it (callers hold the transaction)."""
    on = on or timezone.localdate()
    if on < unit.status_since:
        raise ValidationError(
            {"on": f"Cette date précède le dernier changement d'état du logement ({unit.status_since:%d/%m/%Y})."}
        )
    before = unit.status
    unit.status = lifecycle.unit_target(unit.status, action)
    unit.status_since = on
    _save_unit(unit, "status", "status_since")
    _log_unit(unit, action, before, on, author, note, to_siao)
    return unit


@transaction.atomic
def make_available(unit: Unit, author: Author, on: date | None = None, expected_version=None) -> Unit:
    fresh = lock_unit(unit, expected_version)
    check_not_future(on, "on", "La date de mise à disposition")
    return move_unit(fresh, "make_available", author, on)


@transaction.atomic
def withdraw_unit(unit: Unit, author: Author, note: str, on: date | None = None, expected_version=None) -> Unit:
    if not (note or "").strip():
        raise ValidationError({"note": "Indiquez pourquoi le logement est retiré de l'offre."})
    _check_text(note=note)
    check_not_future(on, "on", "La date du retrait")
    fresh = lock_unit(unit, expected_version)
    return move_unit(fresh, "withdraw", author, on, note=note.strip())


@transaction.atomic
def free_unit(unit: Unit, author: Author, on: date, to_siao: bool | None = None, expected_version=None) -> Unit:
    """The household left: the unit is available again. A residence unit says whether it is
    handed to the SIAO (the residence's share, `residence_share`)."""
    check_not_future(on, "on", "La date de libération")
    fresh = lock_unit(unit, expected_version)
    if fresh.residence_id is None:
        to_siao = None
    elif to_siao is None:
        raise ValidationError({"to_siao": "Indiquez si ce logement libéré est confié au SIAO."})
    return move_unit(fresh, "free", author, on, to_siao=to_siao)


def residence_share(residence: Residence) -> dict:
    """Freed units of the residence, how many were handed to the SIAO, and whether the next one
    is due to the SIAO to keep its share."""
    flags = list(UnitEvent.objects.filter(unit__residence=residence, action="free").values_list("to_siao", flat=True))
    freed, handed = len(flags), sum(1 for f in flags if f)
    return {
        "freed": freed,
        "handed": handed,
        "share": (handed / freed) if freed else None,
        "target": float(residence.siao_share),
        "next_due_to_siao": lifecycle.siao_due(freed, handed, float(residence.siao_share)),
    }


@transaction.atomic
def create_residence(territory, author: Author, **fields) -> Residence:
    residence = Residence(territory=territory, **fields)
    residence.full_clean(exclude=["territory"])
    check_insee(residence.commune_insee)
    if residence.manager.territory_id != territory.pk:
        raise ValidationError({"manager": "Ce gestionnaire appartient à un autre territoire."})
    residence.save()
    return residence


@transaction.atomic
def create_contingent(territory, author: Author, **fields) -> ContingentQuota:
    contingent = ContingentQuota(territory=territory, **fields)
    contingent.full_clean(exclude=["territory"])
    if contingent.holder.territory_id != territory.pk:
        raise ValidationError({"holder": "Ce réservataire appartient à un autre territoire."})
    if ContingentQuota.objects.filter(territory=territory, kind=contingent.kind, holder=contingent.holder).exists():
        raise ValidationError({"kind": "Ce réservataire a déjà un contingent de ce type sur le territoire."})
    contingent.save()
    return contingent


# --- capture of private housing -------------------------------------------------------------------


@transaction.atomic
def create_prospect(territory, author: Author, **fields) -> CaptureProspect:
    prospect = CaptureProspect(territory=territory, stage=codes.CaptureStage.CONTACTED, **fields)
    prospect.full_clean(exclude=["territory", "unit"])
    check_insee(prospect.commune_insee)
    check_not_future(prospect.contacted_on, "contacted_on", "La date de contact")
    _check_text(owner_label=prospect.owner_label, address=prospect.address)
    if prospect.operator.territory_id != territory.pk:
        raise ValidationError({"operator": "Cette structure appartient à un autre territoire."})
    prospect.save()
    return prospect


def _lock_prospect(prospect: CaptureProspect, expected_version) -> CaptureProspect:
    fresh = CaptureProspect.objects.select_for_update().get(pk=prospect.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise Stale()
    return fresh


def _save_prospect(prospect: CaptureProspect, *fields):
    CaptureProspect.objects.filter(pk=prospect.pk).update(
        version=F("version") + 1, **{name: getattr(prospect, name) for name in fields}
    )
    prospect.version += 1


CAPTURE_STEPS = {
    "visit": (frozenset({codes.CaptureStage.CONTACTED}), codes.CaptureStage.VISITED),
    "agree": (frozenset({codes.CaptureStage.CONTACTED, codes.CaptureStage.VISITED}), codes.CaptureStage.AGREED),
    "refuse": (frozenset({codes.CaptureStage.CONTACTED, codes.CaptureStage.VISITED}), codes.CaptureStage.REFUSED),
    "open": (frozenset({codes.CaptureStage.AGREED}), codes.CaptureStage.AVAILABLE),
}


def _capture_step(prospect: CaptureProspect, step: str) -> str:
    sources, target = CAPTURE_STEPS[step]
    if prospect.stage not in sources:
        raise lifecycle.TransitionRefused(
            f"Impossible à cette étape : la captation est « {prospect.get_stage_display()} »."
        )
    return target


@transaction.atomic
def record_visit(prospect, author: Author, on: date, expected_version=None) -> CaptureProspect:
    fresh = _lock_prospect(prospect, expected_version)
    fresh.stage = _capture_step(fresh, "visit")
    check_not_future(on, "visited_on", "La date de visite")
    if on < fresh.contacted_on:
        raise ValidationError({"visited_on": "La visite ne peut pas précéder le premier contact."})
    fresh.visited_on = on
    _save_prospect(fresh, "stage", "visited_on")
    return fresh


@transaction.atomic
def record_agreement(prospect, author: Author, on: date, mode: str, expected_version=None) -> CaptureProspect:
    fresh = _lock_prospect(prospect, expected_version)
    fresh.stage = _capture_step(fresh, "agree")
    if mode not in codes.CaptureMode.values:
        raise ValidationError(
            {"mode": "Choisissez le mode : mandat de gestion, location / sous-location ou bail glissant."}
        )
    check_not_future(on, "decided_on", "La date de l'accord")
    if on < (fresh.visited_on or fresh.contacted_on):
        raise ValidationError({"decided_on": "L'accord ne peut pas précéder le contact ou la visite."})
    fresh.decided_on, fresh.mode = on, mode
    _save_prospect(fresh, "stage", "decided_on", "mode")
    return fresh


@transaction.atomic
def record_refusal(prospect, author: Author, on: date, reason: str, expected_version=None) -> CaptureProspect:
    fresh = _lock_prospect(prospect, expected_version)
    fresh.stage = _capture_step(fresh, "refuse")
    if reason not in codes.CaptureRefusal.values:
        raise ValidationError({"refusal_reason": "Indiquez le motif du refus du propriétaire."})
    check_not_future(on, "decided_on", "La date du refus")
    if on < fresh.contacted_on:
        raise ValidationError({"decided_on": "Le refus ne peut pas précéder le premier contact."})
    fresh.decided_on, fresh.refusal_reason = on, reason
    _save_prospect(fresh, "stage", "decided_on", "refusal_reason")
    return fresh


@transaction.atomic
def open_captured_unit(prospect, author: Author, on: date, expected_version=None, **unit_fields) -> Unit:
    """The agreed unit enters the supply as available (kind IML, private landlord, the capture mode)."""
    fresh = _lock_prospect(prospect, expected_version)
    fresh.stage = _capture_step(fresh, "open")
    defaults = {
        "commune_insee": fresh.commune_insee,
        "commune_name": fresh.commune_name,
        "address": fresh.address,
        "typology": fresh.typology,
        "surface": fresh.surface,
        "rent": fresh.rent_asked,
        "kind": codes.UnitKind.IML,
        "landlord": fresh.operator,
        "landlord_kind": codes.LandlordKind.PRIVATE,
        "capture_mode": fresh.mode,
        "available_on": on,
    }
    unit = create_unit(fresh.territory, author, on=on, **{**defaults, **unit_fields})
    fresh.unit = unit
    _save_prospect(fresh, "stage", "unit")
    return unit


@transaction.atomic
def pay_incentive(prospect, author: Author, reason: str, amount, paid_on: date) -> Incentive:
    if prospect.stage not in (codes.CaptureStage.AGREED, codes.CaptureStage.AVAILABLE):
        raise ValidationError({"reason": "Une prime se verse pour un logement capté (accord du propriétaire)."})
    if reason not in codes.IncentiveReason.values:
        raise ValidationError({"reason": "Indiquez le motif de la prime."})
    if reason == codes.IncentiveReason.NEW_FAMILY and prospect.mode != codes.CaptureMode.SUBLEASE:
        raise ValidationError({"reason": "La prime à chaque nouvelle famille ne concerne que la sous-location."})
    amount = _money(amount, "amount", "La prime")
    if amount <= 0:
        raise ValidationError({"amount": "La prime est un montant positif."})
    check_not_future(paid_on, "paid_on", "La date de versement")
    return Incentive.objects.create(
        prospect=prospect, reason=reason, amount=amount, paid_on=paid_on, recorded_by=author.user
    )


@transaction.atomic
def create_target(territory, author: Author, **fields) -> CaptureTarget:
    target = CaptureTarget(territory=territory, **fields)
    target.full_clean(exclude=["territory"])
    if target.ends_on <= target.starts_on:
        raise ValidationError({"ends_on": "L'échéance suit la date de début."})
    if target.reserved_for_housing_first and target.reserved_for_housing_first > target.units:
        raise ValidationError({"reserved_for_housing_first": "La part réservée ne dépasse pas l'objectif."})
    target.save()
    return target


def target_progress(target: CaptureTarget, today: date | None = None) -> dict:
    """Units captured (agreed or available) within the target's period and mode, against it."""
    today = today or timezone.localdate()
    captured = CaptureProspect.objects.filter(
        territory_id=target.territory_id,
        stage__in=[codes.CaptureStage.AGREED, codes.CaptureStage.AVAILABLE],
        decided_on__gte=target.starts_on,
        decided_on__lte=min(target.ends_on, today),
    )
    if target.mode:
        captured = captured.filter(mode=target.mode)
    counts = captured.aggregate(done=Count("pk"), reserved=Count("pk", filter=Q(reserved_for_housing_first=True)))
    done, reserved = counts["done"], counts["reserved"]
    span = (target.ends_on - target.starts_on).days or 1
    elapsed = min(max((today - target.starts_on).days, 0), span)
    return {
        "captured": done,
        "reserved": reserved,
        "rate": done / target.units,
        "expected_by_now": round(target.units * elapsed / span),
        "late": done < round(target.units * elapsed / span),
    }

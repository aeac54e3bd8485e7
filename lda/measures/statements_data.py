"""The ORM adapter of statements, funding and the annual report: who may see which operators, the
facts loaded in a fixed number of queries whatever the number of measures, and the two writes of
this capability (the statement the operator sends, the coordinator's funding agreement), each in
one transaction.

Reach. The monthly statement and the annual report count the measures the user reaches through the
policy (`scope`): the operator's social workers reach every measure their organisation runs, the
coordinator every measure of the territory. Funding is also read by the State's agents, who reach
no measure row: amounts are aggregates, so the funding figures count the measures of the operators
the user may see funding for (the coordinator's and the State's territory, the operator's own
organisation) without giving access to any row. Persons are read for counts by age and sex only.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from lda.access.policy import actor_for, scope
from lda.accounts.models import Organisation, Territory
from lda.accounts.roles import Role
from lda.households.models import Person
from lda.households.scopes import coordinator_territories
from lda.measures import annual_report, codes, statements
from lda.measures.models import (
    FundingAgreement,
    Measure,
    MeasureType,
    MeasureTypeVersion,
    Meeting,
    MonthlyStatement,
    Outcome,
    PartnerMobilisation,
)
from lda.measures.scopes import operator_organisations
from lda.measures.services import operators as territory_operators
from lda.measures.statements import Span

FIRST_YEAR = 2000


# --- who sees which operators ------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    territories: frozenset[int]  # every operator of these territories
    organisations: frozenset[int]  # these organisations only

    def allows(self, organisation: Organisation) -> bool:
        return organisation.territory_id in self.territories or organisation.pk in self.organisations

    def measure_filter(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}territory_id__in": self.territories}) | Q(
            **{f"{prefix}operator_id__in": self.organisations}
        )


def reach(user, permission: str) -> Reach:
    """The coordinator (and, for funding, the State's agent) sees the territory's operators; an
    operator's social worker sees its own organisation."""
    actor = actor_for(user)
    held = actor.territories(permission)
    territories = set(coordinator_territories(actor)) & held
    if permission == "measures.funding":
        territories |= {g.territory_id for g in actor.grants if g.role == Role.STATE_AGENT} & held
    organisations = operator_organisations(actor) & actor.organisations(permission)
    return Reach(frozenset(territories), frozenset(organisations))


def operators_for(user, permission: str) -> list[Organisation]:
    """The organisations the user may pick: the territory's possible operators, or their own."""
    where = reach(user, permission)
    found = {}
    for territory_id in sorted(where.territories):
        for organisation in operators_of_territory(territory_id):
            found[organisation.pk] = organisation
    for organisation in Organisation.objects.filter(pk__in=where.organisations).order_by("name"):
        found.setdefault(organisation.pk, organisation)
    return sorted(found.values(), key=lambda o: (o.name.lower(), o.pk))


def operators_of_territory(territory_id: int) -> list[Organisation]:
    return territory_operators(Territory(pk=territory_id))


def is_operator_of(user, organisation: Organisation) -> bool:
    """Whether the user acts for this organisation as an operator (their own social workers)."""
    return organisation.pk in actor_for(user).organisations("measures.operate")


# --- facts ---------------------------------------------------------------------------------------

SPAN_FIELDS = (
    "pk",
    "household_id",
    "activated_on",
    "ended_on",
    "end_reason",
    "type_version__unit_cost",
    "type_version__measure_type__code",
    "type_version__measure_type__name",
)


def overlapping(queryset, start: date, end: date):
    """Activated measures active at least one day of [start, end]."""
    return queryset.filter(activated_on__isnull=False, activated_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    )


def _span(row) -> Span:
    pk, household_id, activated_on, ended_on, end_reason, unit_cost, code, name = row
    return Span(
        measure_id=pk,
        household_id=household_id,
        activated_on=activated_on,
        ended_on=ended_on,
        end_reason=end_reason,
        unit_cost=unit_cost,
        type_code=code,
        type_name=name,
    )


def spans_of(queryset) -> list[Span]:
    return [_span(row) for row in queryset.values_list(*SPAN_FIELDS).order_by("pk")]


def spans_by(queryset, *keys: str) -> dict[tuple, list[Span]]:
    """Spans grouped by the values of `keys` (e.g. the operator), in one query."""
    groups: dict[tuple, list[Span]] = {}
    for row in queryset.values_list(*keys, *SPAN_FIELDS).order_by("pk"):
        groups.setdefault(tuple(row[: len(keys)]), []).append(_span(row[len(keys) :]))
    return groups


def operator_measures(user, operator: Organisation, start: date, end: date, measure_type: MeasureType | None = None):
    """The operator's measures the user reaches, active during [start, end] (one query when listed)."""
    queryset = scope(user, Measure.objects.filter(operator=operator))
    if measure_type is not None:
        queryset = queryset.filter(type_version__measure_type=measure_type)
    return overlapping(queryset, start, end)


def monthly_statement(user, operator: Organisation, year: int, month: int, today: date | None = None):
    start, end = statements.month_bounds(year, month)
    spans = spans_of(operator_measures(user, operator, start, end))
    return statements.month_statement(spans, year, month, today or timezone.localdate())


def statements_of_year(user, operator: Organisation, year: int, today: date | None = None, measure_type=None):
    """The twelve monthly statements of a year, each computed on its own month's measures."""
    today = today or timezone.localdate()
    result = []
    for month in range(1, 13):
        start, end = statements.month_bounds(year, month)
        spans = spans_of(operator_measures(user, operator, start, end, measure_type))
        result.append(statements.month_statement(spans, year, month, today))
    return result


def sent_statement(operator: Organisation, year: int, month: int) -> MonthlyStatement | None:
    return MonthlyStatement.objects.select_related("sent_by").filter(operator=operator, year=year, month=month).first()


@transaction.atomic
def send_statement(operator: Organisation, year: int, month: int, figures: dict, user) -> MonthlyStatement:
    """Stores the figures as sent; sending again replaces them and counts the revision."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return MonthlyStatement.objects.create(
                territory_id=operator.territory_id,
                operator=operator,
                year=year,
                month=month,
                figures=figures,
                sent_at=now,
                sent_by=user,
                revision=1,
            )
    except IntegrityError:
        pass
    current = MonthlyStatement.objects.select_for_update().get(operator=operator, year=year, month=month)
    current.figures, current.sent_at, current.sent_by = figures, now, user
    current.revision = F("revision") + 1
    current.save(update_fields=["figures", "sent_at", "sent_by", "revision"])
    current.refresh_from_db()
    return current


@dataclass
class Received:
    operator: Organisation
    sent: MonthlyStatement | None
    current: statements.Statement
    differences: list[str]

    @property
    def shown(self) -> dict:
        """The totals shown: as sent if sent, otherwise as computed today (French decimals)."""
        total = self.sent.figures.get("total", {}) if self.sent else statements.to_json(self.current)["total"]
        return {
            "active": total.get("active", 0),
            "household_months": statements.french_decimal(Decimal(total.get("household_months", "0"))),
            "starts": total.get("starts", 0),
            "ends": total.get("ends", 0),
            "ruptures": total.get("ruptures", 0),
        }


def received(user, year: int, month: int, today: date | None = None) -> list[Received]:
    """Per operator of the coordinator's territories: what was sent for the month and what changed since."""
    today = today or timezone.localdate()
    territories = reach(user, "measures.statements").territories
    start, end = statements.month_bounds(year, month)
    measures = overlapping(scope(user, Measure.objects.filter(territory_id__in=territories)), start, end)
    by_operator = {key[0]: spans for key, spans in spans_by(measures, "operator_id").items()}
    sent = {
        s.operator_id: s
        for s in scope(
            user, MonthlyStatement.objects.filter(territory_id__in=territories, year=year, month=month)
        ).select_related("sent_by")
    }
    ids = set(by_operator) | set(sent)
    rows = []
    for operator in Organisation.objects.filter(pk__in=ids).order_by("name", "pk"):
        current = statements.month_statement(by_operator.get(operator.pk, []), year, month, today)
        statement = sent.get(operator.pk)
        lines = statements.differences(statement.figures, statements.to_json(current)) if statement else []
        rows.append(Received(operator, statement, current, lines))
    return rows


# --- funding -------------------------------------------------------------------------------------


def version_in_force(versions: list[MeasureTypeVersion], year: int) -> MeasureTypeVersion:
    """The latest version made by the end of the year; the first one if the type is younger."""
    ordered = sorted(versions, key=lambda v: v.number)
    made = [v for v in ordered if timezone.localtime(v.created_at).date() <= date(year, 12, 31)]
    return made[-1] if made else ordered[0]


def terms_of(version: MeasureTypeVersion) -> statements.Terms:
    return statements.Terms(version.unit_cost, version.advance_share, version.indirect_cost_cap)


def agreement_facts(agreement: FundingAgreement | None) -> statements.AgreementFacts | None:
    if agreement is None:
        return None
    return statements.AgreementFacts(
        agreement.households_funded,
        agreement.advance_paid,
        agreement.indirect_costs,
        agreement.signed_on,
        agreement.direct_costs,
    )


@dataclass
class FundingRow:
    operator: Organisation
    measure_type: MeasureType
    line: statements.FundingLine
    agreement: FundingAgreement | None


def funding(user, year: int, operator: Organisation | None = None, today: date | None = None) -> list[FundingRow]:
    """Every (operator, type) with an agreement or measures in the year, within the user's reach."""
    today = today or timezone.localdate()
    where = reach(user, "measures.funding")
    start, end = date(year, 1, 1), date(year, 12, 31)
    measures = overlapping(Measure.objects.filter(where.measure_filter()), start, end)
    agreements = scope(user, FundingAgreement.objects.filter(year=year)).filter(where.measure_filter())
    if operator is not None:
        measures = measures.filter(operator=operator)
        agreements = agreements.filter(operator=operator)
    groups = spans_by(measures, "operator_id", "type_version__measure_type_id")
    agreement_of = {(a.operator_id, a.measure_type_id): a for a in agreements}
    pairs = set(groups) | set(agreement_of)
    organisations = {o.pk: o for o in Organisation.objects.filter(pk__in={p[0] for p in pairs})}
    types = {t.pk: t for t in MeasureType.objects.filter(pk__in={p[1] for p in pairs})}
    versions: dict[int, list[MeasureTypeVersion]] = {}
    for version in MeasureTypeVersion.objects.filter(measure_type_id__in=types):
        versions.setdefault(version.measure_type_id, []).append(version)
    rows = []
    for operator_id, type_id in pairs:
        measure_type = types[type_id]
        agreement = agreement_of.get((operator_id, type_id))
        line = statements.funding_line(
            groups.get((operator_id, type_id), []),
            year,
            terms_of(version_in_force(versions[type_id], year)),
            agreement_facts(agreement),
            today,
            measure_type.code,
            measure_type.name,
        )
        rows.append(FundingRow(organisations[operator_id], measure_type, line, agreement))
    rows.sort(key=lambda r: (r.operator.name.lower(), r.measure_type.name.lower()))
    return rows


def agreement_state(agreement: FundingAgreement | None) -> str:
    """A fingerprint of the agreement as the form showed it, so that the second of two saves is refused."""
    if agreement is None or agreement.pk is None:
        return "nouvelle"
    values = (
        agreement.operator_id,
        agreement.measure_type_id,
        agreement.year,
        agreement.signed_on,
        agreement.households_funded,
        Decimal(agreement.advance_paid).quantize(statements.CENT),
        None if agreement.indirect_costs is None else Decimal(agreement.indirect_costs).quantize(statements.CENT),
        None if agreement.direct_costs is None else Decimal(agreement.direct_costs).quantize(statements.CENT),
    )
    return hashlib.sha256(repr(values).encode()).hexdigest()[:20]


STALE_AGREEMENT = (
    "Cette convention a été modifiée par quelqu'un d'autre depuis que vous avez ouvert le formulaire. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version à jour, puis recommencez."
)


class StaleAgreement(Exception):
    def __init__(self, message=STALE_AGREEMENT):
        super().__init__(message)


@dataclass
class AgreementData:
    operator: Organisation | None
    measure_type: MeasureType | None
    year: int | None
    households_funded: int | None
    advance_paid: Decimal | None
    indirect_costs: Decimal | None = None
    signed_on: date | None = None
    direct_costs: Decimal | None = None


def _money(value, field: str, label: str, errors: dict, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors[field] = f"Indiquez {label}."
        return None
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = f"{label[0].upper()}{label[1:]} doit être un montant en euros."
        return None
    if not amount.is_finite():
        errors[field] = f"{label[0].upper()}{label[1:]} doit être un montant en euros."
    elif amount < 0:
        errors[field] = f"{label[0].upper()}{label[1:]} ne peut pas être négatif."
    elif amount != amount.quantize(statements.CENT):
        errors[field] = f"{label[0].upper()}{label[1:]} s'exprime au centime près (deux décimales au plus)."
    elif amount >= Decimal("10000000000"):
        errors[field] = f"{label[0].upper()}{label[1:]} est trop élevé."
    return amount


def check_agreement(territory_id: int, data: AgreementData, today: date | None = None) -> None:
    """Validates an agreement; raises `ValidationError` with French messages per field."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    operators = {o.pk for o in operators_of_territory(territory_id)}
    if data.operator is None or data.operator.pk not in operators:
        errors["operator"] = "Choisissez un opérateur du territoire."
    if data.measure_type is None or data.measure_type.territory_id != territory_id:
        errors["measure_type"] = "Choisissez un type de mesure du territoire."
    if data.year is None:
        errors["year"] = "Indiquez l'année de la convention."
    elif not FIRST_YEAR <= data.year <= today.year + 1:
        errors["year"] = f"L'année doit être comprise entre {FIRST_YEAR} et {today.year + 1}."
    if data.households_funded is None:
        errors["households_funded"] = "Indiquez le nombre de ménages financés."
    elif data.households_funded < 0:
        errors["households_funded"] = "Le nombre de ménages financés ne peut pas être négatif."
    elif data.households_funded > 100000:
        errors["households_funded"] = "Le nombre de ménages financés semble trop élevé."
    _money(data.advance_paid, "advance_paid", "l'avance versée", errors, required=True)
    _money(data.direct_costs, "direct_costs", "les charges directes", errors, required=False)
    _money(data.indirect_costs, "indirect_costs", "les charges indirectes", errors, required=False)
    if data.signed_on and data.signed_on > today:
        errors["signed_on"] = "La date de signature ne peut pas être dans le futur."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_agreement(
    territory_id: int, data: AgreementData, agreement: FundingAgreement | None = None, expected_state: str = ""
) -> FundingAgreement:
    """Records a new agreement or changes one; one agreement per operator, type and year."""
    check_agreement(territory_id, data)
    if agreement is not None:
        agreement = FundingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if expected_state and agreement_state(agreement) != expected_state:
            raise StaleAgreement()
    twin = FundingAgreement.objects.filter(
        operator=data.operator, measure_type=data.measure_type, year=data.year
    ).exclude(pk=agreement.pk if agreement else None)
    if twin.exists():
        raise ValidationError(
            {"year": "Une convention existe déjà pour cet opérateur, ce type de mesure et cette année : modifiez-la."}
        )
    agreement = agreement or FundingAgreement(territory_id=territory_id)
    agreement.operator = data.operator
    agreement.measure_type = data.measure_type
    agreement.year = data.year
    agreement.households_funded = data.households_funded
    agreement.advance_paid = Decimal(data.advance_paid)
    agreement.direct_costs = None if data.direct_costs is None else Decimal(data.direct_costs)
    agreement.indirect_costs = None if data.indirect_costs is None else Decimal(data.indirect_costs)
    agreement.signed_on = data.signed_on
    try:
        with transaction.atomic():
            agreement.save()
    except IntegrityError:
        raise ValidationError(
            {"year": "Une convention existe déjà pour cet opérateur, ce type de mesure et cette année : modifiez-la."}
        )
    return agreement


# --- the annual report ---------------------------------------------------------------------------


def _name_key(name: str) -> str:
    return " ".join(name.lower().split())


def annual_facts(user, operator: Organisation, year: int, measure_type: MeasureType | None = None):
    """The facts of the annual report in six queries, whatever the number of measures."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    measures = operator_measures(user, operator, start, end, measure_type)
    spans = spans_of(measures)
    ids = measures.values("pk")
    persons = [
        annual_report.PersonFact(household_id, sex, birth_date)
        for household_id, sex, birth_date in Person.objects.filter(
            household_id__in=measures.values("household_id"), merged_into__isnull=True
        ).values_list("household_id", "sex", "birth_date")
    ]
    outcomes = [
        annual_report.OutcomeFact(measure_id, kind, recorded_on, contract_type)
        for measure_id, kind, recorded_on, contract_type in Outcome.objects.filter(
            measure_id__in=ids, recorded_on__range=(start, end)
        ).values_list("measure_id", "kind", "recorded_on", "contract_type")
    ]
    meetings = [
        annual_report.MeetingFact(measure_id, held_on, codes.MeetingKind.COLLECTIVE, staff_id)
        for measure_id, held_on, staff_id in Meeting.objects.filter(
            measure_id__in=ids, kind=codes.MeetingKind.COLLECTIVE, held_on__range=(start, end)
        ).values_list("measure_id", "held_on", "staff_id")
    ]
    partners = [
        annual_report.PartnerFact(measure_id, kind, category, since, until, _name_key(name))
        for measure_id, kind, category, since, until, name in PartnerMobilisation.objects.filter(
            measure_id__in=ids, since__lte=end
        )
        .filter(Q(until__isnull=True) | Q(until__gte=start))
        .values_list("measure_id", "kind", "category", "since", "until", "name")
    ]
    return annual_report.Facts(spans, persons, outcomes, meetings, partners)


def annual(user, operator: Organisation, year: int, measure_type=None, today: date | None = None):
    facts = annual_facts(user, operator, year, measure_type)
    return annual_report.build(facts, year, today or timezone.localdate())

"""The post-purge proof (spec 6): a household with a sentinel in every personal field, purged by
the daily job with time travel; no sentinel remains anywhere in the database — every text column
of every table, found by introspection, so that a table added later is scanned too — and the
figures of past periods are unchanged."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.cache import cache
from django.db import connection, models
from django.utils import timezone

from lda.audit.models import AccessLog
from lda.households.figures_data import figures_for_territory
from lda.households.merge_views import _pairs_key
from lda.households.models import Household, HouseholdEvent, Person
from lda.measures import statements_data
from lda.measures.models import MeasureDocument
from lda.retention import job, purge
from lda.retention.models import Anonymisation, RetentionNotice
from tests.clock import reference_today
from tests.households.helpers import organisation_of
from tests.retention.helpers import SENTINEL, full_household

pytestmark = pytest.mark.django_db(transaction=False)
TODAY = reference_today()
BUILT_ON = date(2024, 7, 10)


def _at(day: date):
    return timezone.make_aware(datetime.combine(day, time(10)))


def build(users, territory, **kwargs):
    with time_machine.travel(_at(BUILT_ON), tick=False):
        return full_household(users, territory, **kwargs)


def fill_every_text_field(household):
    """Writes the sentinel into every free-text, JSON and binary field of every row the erasure
    table reaches for this household (codes declared in `purge.NOT_PERSONAL` aside)."""
    households = [household.pk]
    persons = list(Person.objects.filter(household=household).values_list("pk", flat=True))
    filled = 0
    for erasure in purge.ERASURE:
        model = apps.get_model(erasure.model)
        for row in purge._rows(erasure, households, persons):
            values = {}
            for field in model._meta.concrete_fields:
                if field.primary_key or field.is_relation or field.choices:
                    continue
                if f"{erasure.model}.{field.name}" in purge.NOT_PERSONAL:
                    continue
                current = getattr(row, field.attname)
                if isinstance(field, models.JSONField):
                    if isinstance(current, list):
                        values[field.name] = [*current, SENTINEL]
                    else:
                        values[field.name] = {**(current or {}), "note": SENTINEL}
                elif isinstance(field, models.BinaryField):
                    values[field.name] = f"%PDF {SENTINEL}".encode()
                elif isinstance(field, (models.CharField, models.TextField)):
                    values[field.name] = f"{SENTINEL}{row.pk}"[: field.max_length or 100]
            if values:
                models.QuerySet(model=model).filter(pk=row.pk).update(**values)
                filled += len(values)
    return filled


def _text(value) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def sentinel_cells():
    """(table, column) of every cell of the database that contains the sentinel."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is not None and SENTINEL.lower() in _text(value).lower():
                        found.append((table, column))
    return sorted(set(found))


def figures(territory, operator, user):
    months = [(date(2024, m, 1), date(2024, m + 1, 1) - timedelta(days=1)) for m in range(1, 12)]
    tables = [figures_for_territory(territory.pk, start, end) for start, end in months]
    tables.append(figures_for_territory(territory.pk, date(2024, 1, 1), date(2024, 12, 31)))
    annual = statements_data.annual(user, operator, 2024, today=TODAY)
    monthly = [statements_data.monthly_statement(user, operator, 2024, m, today=TODAY).total for m in range(1, 13)]
    return (
        [
            (
                t.entered,
                t.housed,
                t.housing_delay,
                t.housed_by_previous,
                t.housed_without_shelter,
                t.returns,
                t.referrals,
                t.decisions,
                t.decision_delay,
                t.exits,
            )
            for t in tables
        ],
        (
            annual.households,
            annual.people,
            annual.people_total,
            annual.monthly_total,
            annual.ends,
            annual.rehoused_households,
            annual.collective_actions,
        ),
        monthly,
    )


def test_no_sentinel_remains_anywhere_and_past_figures_are_unchanged(users, territory):
    household = build(users, territory)
    other = build(users, territory, mark="Temoin", received_on=date(2024, 1, 12))
    Household.objects.filter(pk=other.pk).update(last_contact_on=TODAY)  # a contact today: kept
    assert fill_every_text_field(household) > 30
    assert sentinel_cells(), "the sentinel must be there before the purge"
    worker = users["social_worker"]
    operator = organisation_of(worker)
    before = figures(territory, operator, worker)

    report = job.run(TODAY, apply=True)  # 29 months without contact: the warning first
    assert [c.household_id for c in report.warn] == [household.pk] and not report.purged
    assert RetentionNotice.objects.filter(household=household, warned_on=TODAY).exists()
    with time_machine.travel(_at(TODAY + timedelta(days=29)), tick=False):
        assert not job.run(timezone.localdate(), apply=True).purged  # the grace period
    with time_machine.travel(_at(TODAY + timedelta(days=30)), tick=False):
        report = job.run(timezone.localdate(), apply=True)
    assert report.purged == [household.pk] and not report.failed

    assert sentinel_cells() == []
    assert cache.get(_pairs_key(territory.pk)) is None
    assert not MeasureDocument.objects.filter(measure__household=household).exists()
    assert figures(territory, operator, worker) == before
    household.refresh_from_db()
    assert household.reference == f"ANON-{household.pk}"
    assert Anonymisation.objects.get(household=household).last_contact_month == date(2024, 7, 1)
    assert all(
        on.day == 1 for on in HouseholdEvent.objects.filter(household=household).values_list("occurred_on", flat=True)
    )
    logged = AccessLog.objects.get(action="anonymise", object_id=str(household.pk))
    assert (logged.object_type, logged.section) == ("household", "conservation")
    # The other household had a contact today: untouched.
    assert Person.objects.filter(household=other, last_name="TemoinNom").exists()


def test_a_failure_leaves_the_household_whole(users, territory, monkeypatch):
    household = build(users, territory)
    names = list(Person.objects.filter(household=household).values_list("last_name", flat=True))
    broken = purge.Erasure("measures.Review", "measure__household_id", replace={"obstacles": lambda row: 1 / 0})
    monkeypatch.setattr(purge, "ERASURE", (*purge.ERASURE, broken))
    with pytest.raises(ZeroDivisionError):
        purge.anonymise(household, TODAY, BUILT_ON)
    assert list(Person.objects.filter(household=household).values_list("last_name", flat=True)) == names
    assert MeasureDocument.objects.filter(measure__household=household).exists()
    assert not Anonymisation.objects.exists()
    assert not AccessLog.objects.filter(action="anonymise").exists()


def test_the_erasure_table_names_real_fields():
    for erasure in purge.ERASURE:
        model = apps.get_model(erasure.model)
        names = {f.name for f in model._meta.get_fields()}
        assert set(erasure.replace) | set(erasure.blur) | set(erasure.clear) <= names, erasure.model
    for key in purge.NOT_PERSONAL:
        label, name = key.rsplit(".", 1)
        apps.get_model(label)._meta.get_field(name)


# Tables that point at a household's rows and hold nothing of the person (codes, counts, links).
NO_PERSONAL_DATA = {
    "retention.Anonymisation",  # which household was anonymised, when, how many rows: no value
}


def test_every_table_pointing_at_a_households_rows_is_in_the_erasure_table():
    """A table added later that points at a household, a person, a measure or a proposal must say
    what the purge does with it: the sentinel scan only fills the tables the erasure table names."""
    named = {e.model for e in purge.ERASURE}
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        if label in named or label in NO_PERSONAL_DATA:
            continue
        targets = {f.related_model._meta.label for f in model._meta.concrete_fields if f.is_relation}
        if targets & named - {"retention.LegalHold", "retention.RetentionNotice"}:
            missing.append(label)
    assert not missing, f"Tables à ajouter à purge.ERASURE (ou à déclarer sans donnée personnelle) : {missing}"

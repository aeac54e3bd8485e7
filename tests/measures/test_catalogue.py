"""The shipped measure types (`catalogue.DEFAULT_TYPES`): VIAL exactly as the spec table (seed 003)
gives it, one assertion per rule, and every shipped type consistent for the rule engine, the
services and the administrator's form."""

from decimal import Decimal

import pytest

from lda.measures import catalogue, rules, services
from lda.measures.models import MeasureType
from lda.measures.type_forms import TypeVersionForm, changes, initial_from

BY_CODE = {spec["code"]: spec for spec in catalogue.DEFAULT_TYPES}
VIAL = BY_CODE["vial"]

# The spec table, row by row (../shared/spec/02-accompaniment-measures.md, VIAL value).
VIAL_TABLE = [
    # standard duration: 12 months
    ("standard_months", 12),
    # may start up to 3 months before housing entry; the sliding lease is then reduced by as much
    ("pre_housing_months", 3),
    ("pre_housing_reduces_sliding_lease", True),
    # reviews at 3 months (informal), 6 and 12 months
    ("review_months", [3, 6, 12]),
    ("informal_review_months", [3]),
    # renewals by periods of at most 6 months, up to 12 in all, on the coordinator's opinion
    ("renewal_step_months", 6),
    ("renewal_cap_months", 12),
    ("renewal_approvers", ["coordinator"]),
    # derogation: one more renewal of at most 6 months
    ("derogation_months", 6),
    # 30 months absolute maximum
    ("max_months", 30),
    # at least 3 meetings a week with the referent, at least one home visit a week
    ("meetings_per_week", 3),
    ("home_visits_per_week", 1),
    # 7 000 € per household for 12 months
    ("unit_cost", Decimal("7000")),
    # 60 % advance at agreement signature; indirect costs capped at 25 % of the amount paid
    ("advance_share", Decimal("0.60")),
    ("indirect_cost_cap", Decimal("0.25")),
    # no monthly aid to the household (that is ENVAUL)
    ("monthly_aid", None),
    # the operator counts measures month by month and sends the count to the coordinator
    ("monthly_count", True),
    # "right to start again"
    ("re_entry", True),
    # ends with a hand-over to ordinary support
    ("hand_over_required", True),
]


@pytest.mark.parametrize(("field", "expected"), VIAL_TABLE, ids=[f for f, _ in VIAL_TABLE])
def test_vial_is_shipped_exactly_as_the_spec_table_gives_it(field, expected):
    assert VIAL[field] == expected


def test_vial_derogation_needs_the_coordinator_and_the_chef_slisl():
    assert set(VIAL["derogation_approvers"]) == {"coordinator", "chef_slisl"}
    assert len(VIAL["derogation_approvers"]) == 2


def test_vial_durations_add_up_to_24_then_30_months():
    assert VIAL["standard_months"] + VIAL["renewal_cap_months"] == 24  # "24 months total"
    assert VIAL["standard_months"] + VIAL["renewal_cap_months"] + VIAL["derogation_months"] == VIAL["max_months"]


def test_vial_availability_target_and_orienting_are_the_spec_words():
    assert "22 h" in VIAL["availability"]
    assert "week-end" in VIAL["availability"]
    assert "astreinte" in VIAL["availability"]
    assert "errance" in VIAL["target_public"]
    assert "troubles psychiques" in VIAL["target_public"]
    assert "addictions" in VIAL["target_public"]
    assert "coordinateur Logement d'abord" in VIAL["orienting_by"]
    assert "SLISL" in VIAL["orienting_by"]
    assert "commission des parcours complexes" in VIAL["orienting_by"]


def test_vial_engine_refuses_past_30_months():
    """The table's caps as the engine applies them: 12 + 6 + 6 ordinary, then 6 by derogation, then nothing."""
    fields = rules.TypeRules.__dataclass_fields__
    engine = rules.TypeRules(**{k: tuple(v) if isinstance(v, list) else v for k, v in VIAL.items() if k in fields})
    from datetime import date

    granted = (rules.Renewal(6), rules.Renewal(6), rules.Renewal(6, derogation=True))
    facts = rules.MeasureFacts(activated_on=date(2026, 1, 15), renewals=granted)
    assert rules.total_months(engine, facts) == 30
    assert rules.end_on(engine, facts) == date(2028, 7, 14)
    with pytest.raises(rules.RuleRefused):
        rules.check_renewal(engine, facts, 1, derogation=False)
    with pytest.raises(rules.RuleRefused):
        rules.check_renewal(engine, facts, 1, derogation=True)
    assert rules.required_approvers(engine, derogation=True) == ("coordinator", "chef_slisl")


def test_the_shipped_types_are_vial_and_the_six_examples():
    assert [spec["code"] for spec in catalogue.DEFAULT_TYPES] == [
        "vial",
        "fnavdl",
        "asell",
        "envaul",
        "chez_soi",
        "prevention_mobile",
        "coaching_ips",
    ]


def test_envaul_has_its_500_euros_monthly_aid_and_sliding_sublease():
    envaul = BY_CODE["envaul"]
    assert envaul["monthly_aid"] == Decimal("500")
    assert envaul["pre_housing_reduces_sliding_lease"] is True
    assert "18 à 25 ans" in envaul["target_public"]


def test_chez_soi_states_its_85_percent_housed():
    assert "85 %" in BY_CODE["chez_soi"]["target_public"]


@pytest.mark.parametrize("code", list(BY_CODE))
def test_every_shipped_type_is_consistent_for_the_rule_engine(code):
    spec = BY_CODE[code]
    fields = rules.TypeRules.__dataclass_fields__
    engine = rules.TypeRules(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec.items() if k in fields})
    assert engine.problems() == {}


@pytest.mark.parametrize("code", list(BY_CODE))
def test_every_shipped_type_passes_the_services_checks(code):
    values = {k: v for k, v in BY_CODE[code].items() if k in services.VERSION_FIELDS}
    services.check_version_fields(values)  # raises on any problem


@pytest.mark.django_db
@pytest.mark.parametrize("code", list(BY_CODE))
def test_every_shipped_type_round_trips_through_the_administrators_form(territory, code):
    """Opening a shipped type in the edit form and saving it unchanged changes nothing: the form
    shows every value it stores (percentages, euros, months) without loss."""
    catalogue.install_defaults(territory)
    version = MeasureType.objects.get(territory=territory, code=code).current
    initial = initial_from(version)
    data = {}
    for name, value in initial.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = value
        elif isinstance(value, Decimal):
            data[name] = str(value).replace(".", ",")  # as a French user types it
        else:
            data[name] = "" if value is None else str(value)
    form = TypeVersionForm({**data, "expected_number": "1", "change_note": "Relecture"}, current=version)
    assert form.is_valid() is False  # nothing changed: no version to make
    assert form.non_field_errors() == ["Aucune règle n'a changé : il n'y a pas de nouvelle version à enregistrer."]
    assert list(form.errors) == ["__all__"]


@pytest.mark.django_db
def test_install_defaults_stores_the_catalogue_values_and_is_idempotent(territory):
    created = catalogue.install_defaults(territory)
    assert len(created) == len(catalogue.DEFAULT_TYPES)
    assert catalogue.install_defaults(territory) == []
    vial = MeasureType.objects.get(territory=territory, code="vial")
    version = vial.current
    assert version.number == 1
    assert version.change_note == catalogue.VIAL_NOTE
    for field, expected in VIAL_TABLE:
        assert getattr(version, field) == expected, field
    assert changes(version, version) == []

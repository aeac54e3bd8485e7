"""The measure-type form and its pure helpers: what the administrator types (months lists, euros,
percentages) becomes what the models store, without loss; the form refuses exactly what the rule
engine calls inconsistent; the history names every field that changed."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lda.measures import catalogue, rules, services
from lda.measures.type_forms import (
    LABELS,
    SECTIONS,
    TypeCreateForm,
    TypeVersionForm,
    changes,
    describe,
    euros,
    months_text,
    parse_months,
    percent,
    percent_of,
    share_of,
    summary,
)

VIAL = {k: v for k, v in catalogue.DEFAULT_TYPES[0].items() if k in services.VERSION_FIELDS}


class Version:
    """A version-like object built from values (the helpers only read attributes)."""

    def __init__(self, **values):
        self.__dict__.update(values)


def vial(**overrides):
    return Version(**{**VIAL, **overrides})


def form_data(**overrides) -> dict:
    data = {
        "target_public": "Public",
        "orienting_by": "La coordination",
        "standard_months": "12",
        "max_months": "30",
        "pre_housing_months": "3",
        "review_months": "3, 6, 12",
        "informal_review_months": "3",
        "renewal_step_months": "6",
        "renewal_cap_months": "12",
        "renewal_approvers": ["coordinator"],
        "derogation_months": "6",
        "derogation_approvers": ["coordinator", "chef_slisl"],
        "meetings_per_week": "3",
        "home_visits_per_week": "1",
        "unit_cost": "7 000",
        "advance_share": "60",
        "indirect_cost_cap": "25",
        "monthly_aid": "",
        "change_note": "Convention",
        "expected_number": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- conversions ----------------------------------------------------------------------------------


def test_months_lists_are_read_as_typed():
    assert parse_months("3, 6, 12") == [3, 6, 12]
    assert parse_months("12;6 ,3, 6") == [3, 6, 12]
    assert parse_months("") == []
    assert parse_months(" , ") == []
    for bad in ("3 mois", "trois", "3.5", "-3", "6 12"):
        with pytest.raises(ValueError):
            parse_months(bad)


@given(st.sets(st.integers(min_value=1, max_value=240), max_size=12))
def test_months_lists_round_trip(months):
    assert parse_months(months_text(sorted(months))) == sorted(months)


@given(st.integers(min_value=0, max_value=1000))
def test_percentages_round_trip_to_stored_shares(tenths):
    typed = Decimal(tenths) / 10  # 0 to 100 %, one decimal
    stored = share_of(typed)
    assert stored == (typed / 100).quantize(Decimal("0.001"))
    assert Decimal(0) <= stored <= Decimal(1)
    assert percent_of(stored) == typed


def test_sixty_percent_is_stored_as_0_600():
    assert share_of(Decimal("60")) == Decimal("0.600")
    assert str(share_of(Decimal("60"))) == "0.600"
    assert str(percent_of(Decimal("0.600"))) == "60"
    assert str(percent_of(Decimal("0.125"))) == "12.5"
    assert share_of(None) is None and percent_of(None) is None


def test_money_and_shares_read_in_french():
    assert euros(Decimal("7000")) == "7\u202f000\u00a0€"
    assert euros(Decimal("12.5")) == "12,50\u00a0€"
    assert euros(Decimal("1234567.89")) == "1\u202f234\u202f567,89\u00a0€"
    assert euros(Decimal("500.00")) == "500\u00a0€"
    assert percent(Decimal("0.600")) == "60\u00a0%"
    assert percent(Decimal("0.125")) == "12,5\u00a0%"


# --- the form ---------------------------------------------------------------------------------------


def test_the_form_gives_the_services_the_stored_values():
    form = TypeVersionForm(form_data(advance_share="60", unit_cost="7 000,50 €", monthly_aid="500"))
    assert form.is_valid(), form.errors
    values = form.values()
    assert set(values) == set(services.VERSION_FIELDS)
    assert values["advance_share"] == Decimal("0.600")
    assert values["indirect_cost_cap"] == Decimal("0.250")
    assert values["unit_cost"] == Decimal("7000.50")
    assert values["monthly_aid"] == Decimal("500")
    assert values["review_months"] == [3, 6, 12]
    assert values["derogation_approvers"] == ["coordinator", "chef_slisl"]
    services.check_version_fields(values)


def test_empty_optional_values_mean_none():
    form = TypeVersionForm(form_data(pre_housing_months="", indirect_cost_cap="", monthly_aid=""))
    assert form.is_valid(), form.errors
    values = form.values()
    assert values["pre_housing_months"] is None
    assert values["indirect_cost_cap"] is None
    assert values["monthly_aid"] is None


@pytest.mark.parametrize(
    ("changes_", "field"),
    [
        ({"advance_share": "100,1"}, "advance_share"),
        ({"advance_share": "60,25"}, "advance_share"),
        ({"unit_cost": "-1"}, "unit_cost"),
        ({"unit_cost": "sept mille"}, "unit_cost"),
        ({"renewal_approvers": ["prefet"]}, "renewal_approvers"),
        ({"review_months": "3, 300"}, "review_months"),
        ({"standard_months": "1,5"}, "standard_months"),
        ({"target_public": ""}, "target_public"),
    ],
)
def test_bad_values_are_refused_in_french(changes_, field):
    form = TypeVersionForm(form_data(**changes_))
    assert not form.is_valid()
    assert field in form.errors
    message = " ".join(form.errors[field])
    assert any(word in message for word in ("Indiquez", "pourcentage", "négatif", "choix", "bilan", "obligatoire"))


def test_every_version_field_is_in_the_form_with_a_label_and_a_section():
    form = TypeVersionForm()
    placed = {name for _, names in SECTIONS for name in names}
    for name in services.VERSION_FIELDS:
        assert name in form.fields, name
        assert form.fields[name].label == LABELS[name]
        assert name in placed, name
    assert form.fields["expected_number"].widget.is_hidden
    assert form.fields["change_note"].required


def test_the_create_form_asks_a_code_and_a_name_and_no_version_number():
    form = TypeCreateForm(territories=[])
    assert "code" in form.fields and "name" in form.fields
    assert "expected_number" not in form.fields
    assert not form.fields["change_note"].required
    assert "territory" not in form.fields


RULE_FIELDS = st.fixed_dictionaries(
    {
        "standard_months": st.integers(1, 40),
        "max_months": st.integers(1, 80),
        "review_months": st.lists(st.integers(1, 60), max_size=4, unique=True),
        "informal": st.integers(0, 2),
        "renewal_step_months": st.integers(0, 24),
        "renewal_cap_months": st.integers(0, 24),
        "renewal_approvers": st.lists(st.sampled_from(["coordinator", "chef_slisl"]), unique=True),
        "derogation_months": st.integers(0, 12),
        "derogation_approvers": st.lists(st.sampled_from(["coordinator", "chef_slisl"]), unique=True),
    }
)


@given(RULE_FIELDS)
def test_the_form_refuses_exactly_what_the_rule_engine_calls_inconsistent(r):
    informal = sorted(r["review_months"])[: r["informal"]] if r["informal"] < 2 else [99]
    data = form_data(
        standard_months=str(r["standard_months"]),
        max_months=str(r["max_months"]),
        review_months=months_text(sorted(r["review_months"])),
        informal_review_months=months_text(informal),
        renewal_step_months=str(r["renewal_step_months"]),
        renewal_cap_months=str(r["renewal_cap_months"]),
        renewal_approvers=r["renewal_approvers"],
        derogation_months=str(r["derogation_months"]),
        derogation_approvers=r["derogation_approvers"],
    )
    form = TypeVersionForm(data)
    engine = rules.TypeRules(
        standard_months=r["standard_months"],
        max_months=r["max_months"],
        pre_housing_months=3,
        review_months=tuple(sorted(r["review_months"])),
        informal_review_months=tuple(informal),
        renewal_step_months=r["renewal_step_months"],
        renewal_cap_months=r["renewal_cap_months"],
        renewal_approvers=tuple(r["renewal_approvers"]),
        derogation_months=r["derogation_months"],
        derogation_approvers=tuple(r["derogation_approvers"]),
        meetings_per_week=3,
        home_visits_per_week=1,
    )
    problems = engine.problems()
    assert form.is_valid() == (not problems), (form.errors, problems)
    for name, message in problems.items():
        assert message in form.errors[name]
    if form.is_valid():
        services.check_version_fields(form.values())  # the service agrees


# --- reading a version: rules in French, what changed ---------------------------------------------


def test_vial_reads_in_plain_french():
    lines = {line.label: line.text for line in describe(vial())}
    assert lines["Durée standard"] == "12 mois"
    assert lines["Bilans"] == "À 3 mois (informel), 6 mois et 12 mois."
    assert lines["Avant l'entrée dans le logement"] == (
        "La mesure peut commencer jusqu'à 3 mois avant l'entrée dans le logement ; "
        "la sous-location en bail glissant est alors réduite d'autant."
    )
    assert lines["Renouvellements"] == (
        "Par périodes de 6 mois au plus, 12 mois au total, accordés par : Coordination Logement d'abord."
    )
    assert lines["Dérogation"].endswith(
        "Coordination Logement d'abord et Chef·fe du service local inclusion sociale et logement (Département)."
    )
    assert lines["Durée maximale absolue"] == "30 mois, renouvellements compris."
    assert lines["Intensité"].startswith("Au moins 3 rencontres par semaine et au moins 1 visite à domicile")
    assert lines["Coût"] == "7\u202f000\u00a0€ par ménage et par an."
    assert lines["Versement"].startswith("60\u00a0% en avance")
    assert lines["Charges directes et indirectes"] == "25\u00a0% au plus du montant versé (hors frais de personnel)."
    assert "Aide au ménage" not in lines
    assert lines["Droit au recommencement"].startswith("Oui")
    assert summary(vial()) == [
        "12 mois, 30 mois au plus",
        "bilans à 3, 6, 12 mois",
        "3 rencontres et 1 visite à domicile par semaine au moins",
        "7\u202f000\u00a0€ par ménage et par an",
    ]
    assert summary(vial(meetings_per_week=1, home_visits_per_week=0))[2] == "1 rencontre par semaine au moins"


def test_a_type_without_limits_or_renewals_says_so():
    lines = {
        line.label: line.text
        for line in describe(
            vial(pre_housing_months=None, renewal_cap_months=0, derogation_months=0, monthly_aid=Decimal("500"))
        )
    }
    assert lines["Avant l'entrée dans le logement"].startswith("Pas de limite")
    assert lines["Renouvellements"] == "Aucun renouvellement prévu."
    assert lines["Dérogation"] == "Aucune dérogation prévue."
    assert lines["Aide au ménage"] == "500\u00a0€ par mois."


@pytest.mark.parametrize(
    ("field", "new", "before", "after"),
    [
        ("standard_months", 18, "12 mois", "18 mois"),
        ("pre_housing_months", None, "3 mois", "sans limite"),
        ("review_months", [3, 6, 12, 18], "3, 6, 12", "3, 6, 12, 18"),
        ("renewal_approvers", ["coordinator", "chef_slisl"], "Coordination Logement d'abord", None),
        ("meetings_per_week", 2, "3", "2"),
        ("unit_cost", Decimal("7500"), "7\u202f000\u00a0€", "7\u202f500\u00a0€"),
        ("advance_share", Decimal("0.5"), "60\u00a0%", "50\u00a0%"),
        ("indirect_cost_cap", None, "25\u00a0%", "aucun"),
        ("monthly_aid", Decimal("500"), "aucune", "500\u00a0€"),
        ("re_entry", False, "oui", "non"),
        ("availability", "Astreinte", None, "Astreinte"),
    ],
)
def test_the_history_names_each_changed_field(field, new, before, after):
    found = changes(vial(), vial(**{field: new}))
    assert [c.label for c in found] == [LABELS[field]]
    if before is not None:
        assert found[0].before == before
    if after is not None:
        assert found[0].after == after


def test_equal_values_are_no_change():
    stored = vial(
        unit_cost=Decimal("7000.00"), advance_share=Decimal("0.600"), derogation_approvers=["chef_slisl", "coordinator"]
    )
    assert changes(vial(), stored) == []
    assert changes(None, vial()) == []

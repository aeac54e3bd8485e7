"""The measure-type pages: an administrator creates and edits types (each edit a new version),
running measures keep their version, bad input is refused in French and writes nothing."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from lda.audit.models import AccessLog
from lda.measures import catalogue, rules, services
from lda.measures.models import Measure, MeasureType, MeasureTypeVersion
from lda.measures.rules import add_months
from lda.measures.type_forms import initial_from
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import author_of, verified
from tests.measures.helpers import active_measure, open_measure, vial

# The example of docs/measure-types.md, typed exactly as the guide says. From seed 004 (Dihal,
# 2021): Grenoble Alpes Métropole's "Logement d'abord pour 30 jeunes de 18 à 25 ans sans logement
# et sans ressources": 500 € a month, sublease with a sliding lease, reinforced multidisciplinary
# accompaniment. Durations, intensity and cost are the convention's (illustrative values).
GRENOBLE = {
    "code": "ald-jeunes",
    "name": "Logement d'abord jeunes 18–25 ans (Grenoble Alpes Métropole)",
    "target_public": (
        "Jeunes de 18 à 25 ans sans logement et sans ressources, notamment sortant de l'aide sociale à "
        "l'enfance : aide de 500 € par mois, sous-location avec bail glissant, accompagnement global "
        "renforcé et pluridisciplinaire (30 places)."
    ),
    "orienting_by": "La coordination Logement d'abord de la Métropole, après saisine de la plateforme.",
    "standard_months": "12",
    "pre_housing_months": "3",
    "pre_housing_reduces_sliding_lease": "on",
    "review_months": "3, 6, 12",
    "informal_review_months": "3",
    "renewal_step_months": "6",
    "renewal_cap_months": "12",
    "renewal_approvers": ["coordinator"],
    "derogation_months": "0",
    "max_months": "24",
    "meetings_per_week": "2",
    "home_visits_per_week": "1",
    "availability": "Équipe joignable du lundi au samedi jusqu'à 20 h ; astreinte téléphonique le dimanche.",
    "unit_cost": "8 000",
    "advance_share": "60",
    "indirect_cost_cap": "25",
    "monthly_aid": "500",
    "monthly_count": "on",
    "re_entry": "on",
    "hand_over_required": "on",
    "change_note": "Convention 2026 entre l'État et la Métropole.",
}


def post_data(version, **overrides) -> dict:
    """What the edit form posts when the administrator changes `overrides` of `version`."""
    data = {}
    for name, value in initial_from(version).items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif isinstance(value, list):
            data[name] = value
        else:
            data[name] = str(value)
    data["expected_number"] = str(version.number)
    data["change_note"] = "Avenant à la convention"
    for name, value in overrides.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


@pytest.fixture
def coordinator(users):
    return verified(users["coordinator"])


@pytest.fixture
def operator(users):
    return users["social_worker"]


@pytest.fixture
def admin(client, users):
    sign_in(client, users["admin"])
    return client


def _counts():
    return MeasureType.objects.count(), MeasureTypeVersion.objects.count()


# --- create and edit ------------------------------------------------------------------------------


def test_an_administrator_creates_a_type_with_every_rule(admin, territory):
    response = admin.post(reverse("measure_types:create"), GRENOBLE)
    measure_type = MeasureType.objects.get(territory=territory, code="ald-jeunes")
    assert response.status_code == 302
    assert response["Location"] == reverse("measure_types:detail", args=[measure_type.pk])
    version = measure_type.current
    assert version.number == 1
    assert version.standard_months == 12
    assert version.max_months == 24
    assert version.pre_housing_months == 3
    assert version.review_months == [3, 6, 12]
    assert version.informal_review_months == [3]
    assert version.renewal_approvers == ["coordinator"]
    assert (version.derogation_months, version.derogation_approvers) == (0, [])
    assert version.unit_cost == Decimal("8000")
    assert version.advance_share == Decimal("0.600")  # 60 % in the form
    assert version.indirect_cost_cap == Decimal("0.250")
    assert version.monthly_aid == Decimal("500")
    assert version.pre_housing_reduces_sliding_lease is True
    assert version.change_note == "Convention 2026 entre l'État et la Métropole."
    assert version.rules().problems() == {}
    assert AccessLog.objects.filter(action="create", object_type="measuretype", object_id=str(measure_type.pk)).exists()


def test_an_edit_makes_version_2_and_never_alters_running_measures(admin, territory, coordinator, operator):
    activated_on = timezone.localdate() - timedelta(days=100)
    running = active_measure(coordinator, operator, activated_on=activated_on)
    planned_end = running.planned_end_on
    assert planned_end == add_months(activated_on, 12) - timedelta(days=1)
    measure_type = running.type_version.measure_type
    v1 = measure_type.current

    response = admin.post(
        reverse("measure_types:edit", args=[measure_type.pk]),
        post_data(v1, standard_months="18", max_months="36", review_months="3, 6, 12, 18", unit_cost="7500"),
    )
    assert response.status_code == 302
    v2 = measure_type.current
    assert v2.number == 2
    assert (v2.standard_months, v2.max_months, v2.unit_cost) == (18, 36, Decimal("7500"))
    assert v2.change_note == "Avenant à la convention"
    assert v2.created_by_id is not None

    # Version 1 is untouched, and the running measure keeps it and its planned end.
    v1.refresh_from_db()
    assert (v1.standard_months, v1.max_months, v1.unit_cost) == (12, 30, Decimal("7000"))
    running.refresh_from_db()
    assert running.type_version_id == v1.pk
    assert running.planned_end_on == planned_end
    # Even when the running measure is written again, its dates come from its own version.
    running = services.record_entry(running, activated_on + timedelta(days=20), author_of(operator), running.version)
    running.refresh_from_db()
    assert running.planned_end_on == planned_end

    # A measure oriented after the edit takes version 2 (18 months).
    later = timezone.localdate() - timedelta(days=10)
    newer = active_measure(coordinator, operator, activated_on=later)
    assert newer.type_version_id == v2.pk
    assert newer.planned_end_on == add_months(later, 18) - timedelta(days=1)


def test_the_documented_example_end_to_end(admin, territory):
    """docs/measure-types.md: create the type, then the amendment (an informal review at 1 month)."""
    admin.post(reverse("measure_types:create"), GRENOBLE)
    measure_type = MeasureType.objects.get(territory=territory, code="ald-jeunes")
    detail = admin.get(reverse("measure_types:detail", args=[measure_type.pk])).content.decode()
    assert "À 3 mois (informel), 6 mois et 12 mois." in detail
    assert "500\u00a0€ par mois." in detail
    assert "8\u202f000\u00a0€ par ménage et par an." in detail
    assert "24 mois, renouvellements compris." in detail
    assert "Aucune dérogation prévue." in detail
    # The dates the guide gives for a measure activated on 15 January 2026.
    engine = measure_type.current.rules()
    facts = rules.MeasureFacts(activated_on=date(2026, 1, 15))
    assert [r.due_on for r in rules.review_schedule(engine, facts)] == [
        date(2026, 4, 15),
        date(2026, 7, 15),
        date(2027, 1, 14),  # the last day of the measure
    ]
    assert rules.end_on(engine, facts) == date(2027, 1, 14)
    renewed = replace(facts, renewals=(rules.Renewal(6), rules.Renewal(6)))
    assert rules.end_on(engine, renewed) == date(2028, 1, 14)
    with pytest.raises(rules.RuleRefused, match=r"Les renouvellements ordinaires \(12 mois au total\) sont épuisés\.$"):
        rules.check_renewal(engine, renewed, 6, derogation=False)

    edit = reverse("measure_types:edit", args=[measure_type.pk])
    change = {"review_months": "1, 3, 6, 12", "informal_review_months": "1, 3"}
    refused = admin.post(edit, post_data(measure_type.current, review_months="3, 6, 12", informal_review_months="1, 3"))
    assert (
        "Un bilan informel doit être l'un des bilans prévus."
        in refused.context["form"].errors["informal_review_months"]
    )
    response = admin.post(
        edit, post_data(measure_type.current, **change, change_note="Avenant n°1 : premier point informel à un mois.")
    )
    assert response.status_code == 302
    detail = admin.get(reverse("measure_types:detail", args=[measure_type.pk])).content.decode()
    assert "Version 2 (en vigueur)" in detail
    assert "Bilans (mois)</th><td>3, 6, 12</td><td>1, 3, 6, 12</td>" in detail
    assert "Bilans informels (mois)</th><td>3</td><td>1, 3</td>" in detail
    assert "À 1 mois (informel), 3 mois (informel), 6 mois et 12 mois." in detail


def test_the_form_shows_percentages_and_the_version_to_edit(admin, territory):
    measure_type = vial(territory)
    response = admin.get(reverse("measure_types:edit", args=[measure_type.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="advance_share" value="60"' in body
    assert 'name="indirect_cost_cap" value="25"' in body
    assert 'name="review_months" value="3, 6, 12"' in body
    assert 'name="expected_number" value="1"' in body
    assert "Bilans (mois) : " not in body  # no error summary on a fresh form
    assert "séparés par des virgules, ex. 3, 6, 12" in body
    assert 'type="checkbox" class="form-check-input" name="derogation_approvers" value="chef_slisl"' in body


def test_a_new_version_needs_a_change_note_and_a_change(admin, territory):
    measure_type = vial(territory)
    url = reverse("measure_types:edit", args=[measure_type.pk])
    before = _counts()
    response = admin.post(url, post_data(measure_type.current, max_months="31", change_note=""))
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.content.decode()
    response = admin.post(url, post_data(measure_type.current))
    assert "Aucune règle n'a changé" in " ".join(response.context["form"].non_field_errors())
    assert _counts() == before


INVALID = [
    ({"max_months": "10"}, "max_months", "ne peut pas être inférieure à la durée standard"),
    ({"review_months": "3, 6, 15"}, "review_months", "15 ne convient pas"),
    ({"review_months": "trois, six"}, "review_months", "séparés par des virgules"),
    ({"informal_review_months": "4"}, "informal_review_months", "l'un des bilans prévus"),
    ({"renewal_approvers": ["maire"]}, "renewal_approvers", "maire"),
    ({"derogation_approvers": ["maire"]}, "derogation_approvers", "maire"),
    ({"derogation_approvers": False}, "derogation_approvers", "Une dérogation doit être accordée"),
    ({"advance_share": "120"}, "advance_share", "entre 0 et 100 %"),
    ({"indirect_cost_cap": "-5"}, "indirect_cost_cap", "entre 0 et 100 %"),
    ({"unit_cost": "-7000"}, "unit_cost", "ne peut pas être négatif"),
    ({"monthly_aid": "-1"}, "monthly_aid", "ne peut pas être négatif"),
    ({"renewal_step_months": "18"}, "renewal_step_months", "ne peut pas dépasser le cumul"),
    ({"meetings_per_week": "-1"}, "meetings_per_week", "ne peut pas être négatif"),
    ({"standard_months": "0"}, "standard_months", "au moins 1"),
    ({"target_public": "NIR 1 85 04 75 123 456 78"}, "target_public", "numéro de sécurité sociale"),
]


@pytest.mark.parametrize(
    ("changes", "field", "message"), INVALID, ids=[i[1] + "-" + str(n) for n, i in enumerate(INVALID)]
)
def test_invalid_rules_give_french_errors_next_to_their_field_and_write_nothing(
    admin, territory, changes, field, message
):
    measure_type = vial(territory)
    before = _counts()
    response = admin.post(
        reverse("measure_types:edit", args=[measure_type.pk]), post_data(measure_type.current, **changes)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    body = response.content.decode()
    assert f'href="#id_{field}"' in body  # listed in the summary, linked to the field
    assert f'id="id_{field}-aide"' in body  # and next to the field
    assert _counts() == before
    # The user's input is kept.
    kept = changes.get("review_months") or changes.get("unit_cost") or changes.get("max_months")
    if kept:
        assert f'value="{kept}"' in body


def test_a_nir_in_free_text_is_refused_by_the_service(admin, territory):
    measure_type = vial(territory)
    data = post_data(measure_type.current, orienting_by="Voir le dossier 185047512345678")
    before = _counts()
    response = admin.post(reverse("measure_types:edit", args=[measure_type.pk]), data)
    assert response.status_code == 200
    assert "orienting_by" in response.context["form"].errors
    assert _counts() == before


def test_creating_with_a_code_already_used_is_refused(admin, territory):
    vial(territory)
    before = _counts()
    response = admin.post(reverse("measure_types:create"), {**GRENOBLE, "code": "vial"})
    assert response.status_code == 200
    assert "Ce code est déjà utilisé" in " ".join(response.context["form"].errors["code"])
    assert _counts() == before


def test_a_code_with_spaces_or_accents_is_refused(admin, territory):
    response = admin.post(reverse("measure_types:create"), {**GRENOBLE, "code": "jeunes été"})
    assert "code" in response.context["form"].errors
    assert not MeasureType.objects.exists()


def test_the_second_of_two_edits_is_refused_and_keeps_the_input(admin, territory, users):
    measure_type = vial(territory)
    v1 = measure_type.current
    url = reverse("measure_types:edit", args=[measure_type.pk])
    first = post_data(v1, unit_cost="7200")
    second = post_data(v1, unit_cost="7400")  # opened on version 1 too
    assert admin.post(url, first).status_code == 302
    response = admin.post(url, second)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Une autre version de ce type a été enregistrée" in " ".join(response.context["form"].non_field_errors())
    assert 'value="7400"' in body
    assert measure_type.versions.count() == 2
    assert measure_type.current.unit_cost == Decimal("7200")


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "referent", "social_worker", "state_agent", "landlord"])
def test_only_the_administrator_changes_types(client, users, territory, role):
    measure_type = vial(territory)
    sign_in(client, users[role])
    before = _counts()
    assert client.get(reverse("measure_types:create")).status_code == 403
    assert client.post(reverse("measure_types:create"), GRENOBLE).status_code == 403
    edit = reverse("measure_types:edit", args=[measure_type.pk])
    assert client.post(edit, post_data(measure_type.current, max_months="31")).status_code == 403
    activation = reverse("measure_types:activation", args=[measure_type.pk])
    assert client.post(activation, {"active": "0"}).status_code == 403
    assert _counts() == before
    measure_type.refresh_from_db()
    assert measure_type.is_active


def test_another_territorys_type_answers_404(admin, other_territory):
    measure_type = vial(other_territory)
    before = _counts()
    for name in ("detail", "edit"):
        assert admin.get(reverse(f"measure_types:{name}", args=[measure_type.pk])).status_code == 404
    edit = reverse("measure_types:edit", args=[measure_type.pk])
    assert admin.post(edit, post_data(measure_type.current, max_months="31")).status_code == 404
    assert admin.post(reverse("measure_types:activation", args=[measure_type.pk]), {"active": "0"}).status_code == 404
    assert admin.post(reverse("measure_types:install"), {"territoire": other_territory.pk}).status_code == 404
    assert _counts() == before
    measure_type.refresh_from_db()
    assert measure_type.is_active


def test_an_administrator_of_another_territory_cannot_edit_ours(client, territory, other_territory):
    measure_type = vial(territory)
    sign_in(client, user_with_role("admin", other_territory))
    assert client.get(reverse("measure_types:edit", args=[measure_type.pk])).status_code == 404
    assert client.get(reverse("measure_types:detail", args=[measure_type.pk])).status_code == 404


# --- activation and shipped types -------------------------------------------------------------------


def test_deactivating_stops_new_orientations_and_running_measures_go_on(admin, territory, coordinator, operator):
    running = active_measure(coordinator, operator)
    measure_type = running.type_version.measure_type
    response = admin.post(reverse("measure_types:activation", args=[measure_type.pk]), {"active": "0"})
    assert response.status_code == 302
    measure_type.refresh_from_db()
    assert not measure_type.is_active
    assert AccessLog.objects.filter(action="update", object_type="measuretype", object_id=str(measure_type.pk)).exists()
    running.refresh_from_db()
    assert running.status == "active"
    with pytest.raises(services.ValidationError):
        open_measure(coordinator, operator)
    # The running measure is still written to, on its own rules.
    services.record_entry(running, running.activated_on, author_of(operator), running.version)

    admin.post(reverse("measure_types:activation", args=[measure_type.pk]), {"active": "1"})
    measure_type.refresh_from_db()
    assert measure_type.is_active
    assert open_measure(coordinator, operator).type_version.measure_type == measure_type


def test_activation_without_a_clear_choice_changes_nothing(admin, territory):
    measure_type = vial(territory)
    response = admin.post(
        reverse("measure_types:activation", args=[measure_type.pk]), {"active": "peut-être"}, follow=True
    )
    assert any("Indiquez si le type doit être proposé" in str(m) for m in response.context["messages"])
    measure_type.refresh_from_db()
    assert measure_type.is_active


def test_the_administrator_installs_the_missing_shipped_types(admin, territory):
    response = admin.get(reverse("measure_types:list"))
    assert "Installer les types fournis" in response.content.decode()
    response = admin.post(reverse("measure_types:install"), {"territoire": territory.pk}, follow=True)
    assert MeasureType.objects.filter(territory=territory).count() == len(catalogue.DEFAULT_TYPES)
    assert "Types installés (7)" in response.content.decode()
    assert "Installer les types fournis" not in response.content.decode()
    admin.post(reverse("measure_types:install"), {"territoire": territory.pk})
    assert MeasureType.objects.filter(territory=territory).count() == len(catalogue.DEFAULT_TYPES)


# --- reading: list, detail, history -------------------------------------------------------------------


def test_a_coordinator_reads_the_types_without_the_administrators_buttons(client, users, territory):
    measure_type = vial(territory)
    sign_in(client, users["coordinator"])
    body = client.get(reverse("measure_types:list")).content.decode()
    assert escape(measure_type.name) in body
    assert "Modifier les règles" not in body
    assert "Nouveau type de mesure" not in body
    assert "Installer les types fournis" not in body
    detail = client.get(reverse("measure_types:detail", args=[measure_type.pk])).content.decode()
    assert "Historique des versions" in detail
    assert "Modifier les règles" not in detail


def test_the_list_shows_versions_rules_and_running_measures(admin, territory, coordinator, operator):
    running = active_measure(coordinator, operator)
    measure_type = running.type_version.measure_type
    services.new_version(
        measure_type, {**initial_values(measure_type), "unit_cost": Decimal("7500")}, None, "Avenant", 1
    )
    body = admin.get(reverse("measure_types:list")).content.decode()
    assert "version 2" in body
    assert "version 1 : 1 en cours" in body
    assert "12 mois, 30 mois au plus" in body
    assert "bilans à 3, 6, 12 mois" in body
    assert "7\u202f500\u00a0€ par ménage et par an" in body
    assert "<caption>" in body and 'scope="col"' in body


def initial_values(measure_type) -> dict:
    current = measure_type.current
    return {name: getattr(current, name) for name in services.VERSION_FIELDS}


def test_the_history_says_what_changed_field_by_field(admin, territory, coordinator, operator):
    active_measure(coordinator, operator)
    measure_type = MeasureType.objects.get(territory=territory, code="vial")
    url = reverse("measure_types:edit", args=[measure_type.pk])
    admin.post(
        url,
        post_data(
            measure_type.current, advance_share="50", derogation_approvers=["coordinator"], change_note="Avenant 1"
        ),
    )
    body = admin.get(reverse("measure_types:detail", args=[measure_type.pk])).content.decode()
    assert "Version 2 (en vigueur)" in body
    assert "Avenant 1" in body
    assert "Ce qui a changé par rapport à la version 1" in body
    assert "Avance versée à la signature de la convention (%)</th><td>60\u00a0%</td><td>50\u00a0%</td>" in body
    assert (
        "Une dérogation est accordée par</th><td>Coordination Logement d&#x27;abord et Chef·fe du service local "
        "inclusion sociale et logement (Département)</td><td>Coordination Logement d&#x27;abord</td>"
    ) in body
    assert "1 mesure en cours sur cette version" in body  # version 1
    assert "0 mesure en cours sur cette version" in body  # version 2
    assert "Première version du type" in body
    # The rules in plain French.
    assert "À 3 mois (informel), 6 mois et 12 mois." in body
    assert "30 mois, renouvellements compris." in body


def test_the_list_and_the_detail_issue_a_fixed_number_of_queries(client, users, territory, coordinator, operator):
    sign_in(client, users["admin"])
    vial(territory)
    client.get(reverse("measure_types:list"))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("measure_types:list")).status_code == 200
    measure_type = MeasureType.objects.get(territory=territory, code="vial")
    with CaptureQueriesContext(connection) as few_detail:
        client.get(reverse("measure_types:detail", args=[measure_type.pk]))

    for _ in range(3):
        active_measure(coordinator, operator, code="fnavdl")
    active_measure(coordinator, operator)
    for number in (1, 2, 3):
        services.new_version(
            measure_type, {**initial_values(measure_type), "unit_cost": Decimal(7000 + number)}, None, "Avenant", number
        )
    MeasureType.objects.create(territory=territory, code="vide", name="Type sans version")
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("measure_types:list")).status_code == 200
    with CaptureQueriesContext(connection) as many_detail:
        client.get(reverse("measure_types:detail", args=[measure_type.pk]))
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many_detail) == len(few_detail)
    assert len(many) <= 12
    assert len(many_detail) <= 12


def test_measures_counted_are_only_the_territorys(admin, territory, other_territory):
    measure_type = vial(territory)
    other = vial(other_territory)
    body = admin.get(reverse("measure_types:list")).content.decode()
    assert reverse("measure_types:detail", args=[measure_type.pk]) in body
    assert reverse("measure_types:detail", args=[other.pk]) not in body
    assert Measure.objects.count() == 0

"""The territory's matching settings: the grid and its simulator, the rules, the refusal reasons.
Versions are immutable; every bad input is refused field by field in French and saves nothing."""

import pytest
from django.urls import reverse

from lda.accounts.roles import Role
from lda.housing import adapter, services
from lda.housing.models import MatchingRules, Proposal, RefusalReason, ScoringGrid
from lda.housing.settings_forms import initial_grid, initial_rules
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.housing.helpers import household_on_list, landlord_user, make_unit, organisation_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(territory):
    services.install_defaults(territory)
    return user_with_role(Role.ADMIN, territory)


@pytest.fixture
def coordinator(territory):
    return user_with_role(Role.COORDINATOR, territory)


def posted(initial: dict, **changes) -> dict:
    """A form's initial values as a browser posts them (lists stay lists, None and False vanish)."""
    data = {}
    for name, value in {**initial, **changes}.items():
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


def grid_data(territory, **changes):
    return posted({**initial_grid(adapter.current_grid(territory.pk)), "note": "Délibération du 3 mars"}, **changes)


def rules_data(territory, **changes):
    return posted({**initial_rules(adapter.current_rules(territory.pk)), "note": "Avenant"}, **changes)


# --- the grid ---------------------------------------------------------------------------------------


def test_a_new_grid_version_leaves_the_old_one_and_its_proposals_untouched(client, admin, territory, coordinator):
    old = adapter.current_grid(territory.pk)
    household = household_on_list(coordinator)
    unit = make_unit(territory, organisation_of(landlord_user(territory)))
    proposal = Proposal.objects.create(territory=territory, unit=unit, household=household, rank=1, grid=old)
    sign_in(client, admin)
    response = client.post(reverse("housing_settings:grid_edit"), grid_data(territory, points_dalo=200))
    assert response.status_code == 302, response.context["form"].errors
    new = adapter.current_grid(territory.pk)
    assert new.number == 2 and next(c for c in new.criteria if c["code"] == "dalo")["points"] == 200
    old.refresh_from_db()
    assert next(c for c in old.criteria if c["code"] == "dalo")["points"] == 150
    proposal.refresh_from_db()
    assert proposal.grid_id == old.pk
    with pytest.raises(TypeError):
        old.save()
    page = client.get(reverse("housing_settings:grid"))
    latest = page.context["history"][0]
    assert [(c.label, c.before, c.after) for c in latest["changes"]] == [
        ("Reconnu prioritaire et urgent (DALO)", "150 points", "200 points")
    ]


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"points_dalo": "beaucoup"}, "points_dalo", "nombre entier"),
        ({"points_dalo": "5000"}, "points_dalo", "entre -1000 et 1000"),
        ({"cap_months": "0"}, "cap_months", "entre 1 et 240"),
        ({"wish_points": "30, vingt"}, "wish_points", "séparés par des virgules"),
        ({"later_wish_points": "-3"}, "later_wish_points", "entre 0 et 1000"),
        ({"refusal_lowers_priority": True, "refusal_penalty": "0"}, "refusal_penalty", "combien de points"),
        ({"note": ""}, "note", "motif du changement"),
    ],
)
def test_a_bad_grid_is_refused_field_by_field(client, admin, territory, changes, field, message):
    sign_in(client, admin)
    response = client.post(reverse("housing_settings:grid_edit"), grid_data(territory, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert ScoringGrid.objects.filter(territory=territory).count() == 1


def test_a_grid_without_criteria_or_without_change_is_refused(client, admin, territory):
    sign_in(client, admin)
    empty = {name: "" for name in grid_data(territory) if name.startswith("points_")}
    response = client.post(reverse("housing_settings:grid_edit"), grid_data(territory, **empty))
    assert "au moins un critère" in response.context["form"].non_field_errors()[0]
    response = client.post(reverse("housing_settings:grid_edit"), grid_data(territory))
    assert "Rien n'a changé" in response.context["form"].non_field_errors()[0]
    assert ScoringGrid.objects.filter(territory=territory).count() == 1


def test_a_grid_made_from_a_superseded_version_is_refused(client, admin, territory):
    sign_in(client, admin)
    stale = grid_data(territory, points_dalo=180)
    client.post(reverse("housing_settings:grid_edit"), grid_data(territory, points_dalo=170))
    response = client.post(reverse("housing_settings:grid_edit"), stale)
    assert "Une autre version" in response.context["form"].non_field_errors()[0]
    assert ScoringGrid.objects.filter(territory=territory).count() == 2


def test_the_refusal_setting_is_off_by_default_and_can_be_turned_on(client, admin, territory):
    assert adapter.current_grid(territory.pk).refusal_lowers_priority is False
    sign_in(client, admin)
    data = grid_data(territory, refusal_lowers_priority=True, refusal_penalty="20")
    assert client.post(reverse("housing_settings:grid_edit"), data).status_code == 302
    grid = adapter.current_grid(territory.pk)
    assert (grid.refusal_lowers_priority, grid.refusal_penalty) == (True, 20)


def test_the_simulator_scores_any_version_term_by_term(client, admin, territory, coordinator):
    household_on_list(coordinator, dalo=True)
    sign_in(client, admin)
    client.post(reverse("housing_settings:grid_edit"), grid_data(territory, points_dalo=400))
    sign_in(client, coordinator)
    v1 = client.get(reverse("housing_settings:grid"), {"version": 1}).context["simulation"]
    v2 = client.get(reverse("housing_settings:grid"), {"version": 2}).context["simulation"]
    assert v1[0]["label"].startswith("Personne seule sans abri, reconnue DALO")
    assert v2[0]["total"] - v1[0]["total"] == 250
    real = [row for row in v2 if row["label"].startswith("Ménage")]
    assert len(real) == 1 and any(t.code == "dalo" and t.points == 400 for t in real[0]["terms"])
    for row in v1 + v2:
        assert row["total"] == sum(t.points for t in row["terms"])
    assert client.get(reverse("housing_settings:grid"), {"version": 9}).status_code == 404


def test_the_administrator_sees_no_household_in_the_simulator(client, admin, coordinator):
    household_on_list(coordinator)
    sign_in(client, admin)
    rows = client.get(reverse("housing_settings:grid")).context["simulation"]
    assert rows and not any(row["label"].startswith("Ménage") for row in rows)


def test_the_grid_page_reads_a_bounded_number_of_queries(
    client, admin, territory, coordinator, django_assert_max_num_queries
):
    household_on_list(coordinator)
    sign_in(client, coordinator)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("housing_settings:grid"))
    for n in range(4):
        household_on_list(coordinator, last_name=f"Nom{n}")
        services.new_grid_version(
            territory,
            services.Author(admin, organisation_of(admin).pk),
            {**adapter.default_grid_fields(), "later_wish_points": n + 1},
            f"v{n}",
        )
    with django_assert_max_num_queries(40) as many:
        client.get(reverse("housing_settings:grid"))
    assert len(many) == len(few)


# --- the rules -------------------------------------------------------------------------------------


def test_a_new_rules_version_and_its_differences(client, admin, territory):
    sign_in(client, admin)
    data = rules_data(territory, max_effort_rate="27,5", typologies_1=["1"], max_persons_fjt="1")
    response = client.post(reverse("housing_settings:rules_edit"), data)
    assert response.status_code == 302, response.context["form"].errors
    rules = adapter.current_rules(territory.pk)
    assert str(rules.max_effort_rate) == "0.275"
    assert rules.typologies_by_size["1"] == [1] and rules.kind_rules["fjt"]["max_persons"] == 1
    assert MatchingRules.objects.get(territory=territory, number=1).typologies_by_size["1"] == [1, 2]
    page = client.get(reverse("housing_settings:rules"))
    labels = [c.label for c in page.context["history"][0]["changes"]]
    assert labels == [
        "Taux d'effort maximal après aide au logement",
        "Typologies selon la taille du ménage",
        "Publics des logements spécifiques",
    ]


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"max_effort_rate": "75"}, "max_effort_rate", "entre 5 et 60"),
        ({"max_effort_rate": "trente"}, "max_effort_rate", "pourcentage"),
        ({"min_daily_rest_per_uc": "-1"}, "min_daily_rest_per_uc", "entre 0 et 50"),
        ({"max_active_proposals": "4"}, "max_active_proposals", "de 1 à 3"),
        ({"typologies_3": []}, "typologies_3", "au moins une typologie"),
        ({"typologies_3": ["9"]}, "typologies_3", "de la liste"),
        ({"publics_fjt": ["inconnu"]}, "publics_fjt", "de la liste"),
        ({"max_persons_fjt": "0"}, "max_persons_fjt", "entre 1 et 20"),
        ({"open_contingents": ["lune"]}, "open_contingents", "de la liste"),
        ({"note": ""}, "note", "motif du changement"),
    ],
)
def test_bad_rules_are_refused_field_by_field(client, admin, territory, changes, field, message):
    sign_in(client, admin)
    response = client.post(reverse("housing_settings:rules_edit"), rules_data(territory, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert MatchingRules.objects.filter(territory=territory).count() == 1


def test_the_rules_page_states_the_legal_minimum_surface(client, admin):
    sign_in(client, admin)
    surfaces = client.get(reverse("housing_settings:rules")).context["surfaces"]
    assert surfaces == [
        "1 personne : 9 m²",
        "2 personnes : 16 m²",
        "3 personnes : 25 m²",
        "4 personnes : 34 m²",
        "5 personnes : 43 m²",
        "6 personnes : 52 m²",
        "7 personnes : 61 m²",
        "8 personnes et plus : 70 m²",
    ]


# --- refusal reasons and installation ------------------------------------------------------------------


def test_the_administrator_adds_a_reason_and_stops_proposing_one(client, admin, territory):
    sign_in(client, admin)
    data = {"label": "Logement trop éloigné des transports", "side": "household", "legitimate": "1"}
    assert client.post(reverse("housing_settings:reason_create"), data).status_code == 302
    reason = RefusalReason.objects.get(territory=territory, label=data["label"])
    assert (reason.side, reason.legitimate, reason.is_active) == ("household", True, True)
    assert reason.code == "household-logement-trop-eloigne-des-transports"[:36].strip("-")
    response = client.post(reverse("housing_settings:reason_create"), data)
    assert "existe déjà" in response.context["form"].errors["label"][0]
    client.post(reverse("housing_settings:reason_activation", args=[reason.pk]), {"actif": "0"})
    reason.refresh_from_db()
    assert reason.is_active is False


@pytest.mark.parametrize(
    "data,field",
    [
        ({"label": "", "side": "household", "legitimate": "1"}, "label"),
        ({"label": "Motif", "side": "voisin", "legitimate": "1"}, "side"),
        ({"label": "Motif", "side": "holder"}, "legitimate"),
        ({"label": "!!!", "side": "holder", "legitimate": "0"}, "label"),
    ],
)
def test_a_bad_reason_is_refused(client, admin, territory, data, field):
    before = RefusalReason.objects.count()
    sign_in(client, admin)
    response = client.post(reverse("housing_settings:reason_create"), data)
    assert field in response.context["form"].errors
    assert RefusalReason.objects.count() == before


def test_install_then_the_reasons_page_groups_by_side(client, territory):
    admin = user_with_role(Role.ADMIN, territory)
    sign_in(client, admin)
    assert client.get(reverse("housing_settings:grid")).context["current"] is None
    assert client.post(reverse("housing_settings:install")).status_code == 302
    assert ScoringGrid.objects.filter(territory=territory).count() == 1
    groups = client.get(reverse("housing_settings:reasons")).context["groups"]
    assert [len(g["reasons"]) for g in groups] == [8, 6, 2]


def test_the_reasons_page_reads_a_bounded_number_of_queries(client, admin, territory, django_assert_max_num_queries):
    sign_in(client, admin)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("housing_settings:reasons"))
    for n in range(10):
        RefusalReason.objects.create(
            territory=territory, code=f"x-{n}", label=f"Motif {n}", side="holder", legitimate=True
        )
    with django_assert_max_num_queries(20) as many:
        client.get(reverse("housing_settings:reasons"))
    assert len(many) == len(few)

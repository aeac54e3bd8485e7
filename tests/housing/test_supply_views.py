"""The housing supply pages: units, status actions, residences, contingents, the landlord's home;
their scoping and their bounded number of queries."""

from datetime import date

import pytest
from django.urls import reverse

from lda.accounts.roles import Role
from lda.housing import codes, proposals, services
from lda.housing.models import ContingentQuota, Residence, Unit, UnitEvent
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, user_with_role
from tests.housing.helpers import (
    ECHIROLLES,
    author_of,
    days_ago,
    household_on_list,
    landlord_user,
    make_unit,
    organisation_of,
    refusal,
)
from tests.housing.supply_helpers import (
    edit_post,
    free,
    make_contingent,
    make_residence,
    occupy,
    residence_unit,
    unit_post,
)

pytestmark = pytest.mark.django_db
P = codes.ProposalStatus


@pytest.fixture
def coordinator(territory):
    services.install_defaults(territory)
    return user_with_role(Role.COORDINATOR, territory)


@pytest.fixture
def landlord(territory):
    return landlord_user(territory)


@pytest.fixture
def other_landlord(territory):
    return landlord_user(territory)


def page(client, user, name, *args, **params):
    sign_in(client, user)
    return client.get(reverse(name, args=args), params)


# --- units: list, filters, scoping ---------------------------------------------------------------


def test_a_landlord_lists_only_its_own_units_and_the_coordinator_all(client, coordinator, landlord, other_landlord):
    mine = make_unit(coordinator_territory(coordinator), organisation_of(landlord), reference="A-1")
    theirs = make_unit(mine.territory, organisation_of(other_landlord), reference="B-1")
    listed = page(client, landlord, "housing_supply:units").context["page"].object_list
    assert list(listed) == [mine]
    listed = page(client, coordinator, "housing_supply:units").context["page"].object_list
    assert set(listed) == {mine, theirs}


def coordinator_territory(user):
    return user.memberships.get().organisation.territory


def test_the_list_filters_by_status_kind_typology_commune_contingent_and_landlord(
    client, territory, coordinator, landlord, other_landlord
):
    a = make_unit(territory, organisation_of(landlord), reference="A", typology=1, surface=30)
    b = make_unit(territory, organisation_of(other_landlord), reference="B", kind="plai", contingent_kind="commune")
    c = make_unit(
        territory, organisation_of(landlord), reference="C", commune_insee=ECHIROLLES, commune_name="Échirolles"
    )
    d = make_unit(territory, organisation_of(landlord), reference="D", status="prospect")

    def listed(**params):
        return set(page(client, coordinator, "housing_supply:units", **params).context["page"].object_list)

    assert listed() == {a, b, c, d}
    assert listed(etat="prospect") == {d}
    assert listed(type="plai") == {b}
    assert listed(typologie="1") == {a}
    assert listed(commune=ECHIROLLES) == {c}
    assert listed(contingent="commune") == {b}
    assert listed(bailleur=str(organisation_of(other_landlord).pk)) == {b}


def test_another_territorys_unit_answers_404(client, other_territory, coordinator, landlord):
    elsewhere = make_unit(other_territory, organisation_of(landlord_user(other_territory)))
    for name in ("housing_supply:unit", "housing_supply:unit_edit", "housing_supply:unit_withdraw"):
        assert page(client, coordinator, name, elsewhere.pk).status_code == 404
        assert page(client, landlord, name, elsewhere.pk).status_code == 404


def test_another_landlords_unit_answers_404_to_a_landlord(client, territory, landlord, other_landlord):
    theirs = make_unit(territory, organisation_of(other_landlord))
    assert page(client, landlord, "housing_supply:unit", theirs.pk).status_code == 404
    assert page(client, landlord, "housing_supply:unit_edit", theirs.pk).status_code == 404


def test_a_holder_reads_the_units_of_its_contingent_but_does_not_edit_them(client, territory, landlord):
    holder = landlord_user(territory)
    contingent = make_contingent(territory, organisation_of(holder))
    unit = make_unit(territory, organisation_of(landlord), contingent=contingent, contingent_kind="commune")
    assert page(client, holder, "housing_supply:unit", unit.pk).status_code == 200
    assert page(client, holder, "housing_supply:unit_edit", unit.pk).status_code == 404


# --- unit page ------------------------------------------------------------------------------------


def test_the_unit_page_shows_every_field_and_the_dated_history(client, territory, coordinator, landlord):
    holder = OrganisationFactory(territory=territory, name="Ville de Grenoble")
    contingent = make_contingent(territory, holder, label="Contingent municipal")
    unit = make_unit(
        territory,
        organisation_of(landlord),
        reference="GRE-042",
        contingent=contingent,
        contingent_kind="commune",
        qpv=True,
        floor=3,
        wheelchair_accessible=True,
        available_on=date(2025, 3, 1),
        on=days_ago(40),
    )
    services.withdraw_unit(unit, author_of(landlord), "Travaux de rénovation", days_ago(10))
    html = page(client, landlord, "housing_supply:unit", unit.pk).content.decode()
    for text in (
        "GRE-042",
        organisation_of(landlord).name,
        "Bailleur social",
        "12 rue des Alliés",
        "code INSEE 38185",
        'Quartier prioritaire (QPV)</dt><dd class="col-sm-7">oui',
        "Logement social ordinaire",
        "T2",
        "45,0 m²",
        "3 · avec ascenseur",
        'Accessible en fauteuil roulant</dt><dd class="col-sm-7">oui',
        "380,00 €",
        "60,00 €",
        "01/03/2025",
        "Contingent municipal",
        "Ville de Grenoble",
        f"Le {days_ago(40):%d/%m/%Y} : entrée dans l&#x27;offre",
        f"Le {days_ago(10):%d/%m/%Y} : retirer le logement de l&#x27;offre — Disponible → Retiré de l&#x27;offre",
        "« Travaux de rénovation »",
    ):
        assert text in html, text


def test_a_landlord_sees_only_the_proposals_sent_to_it(client, territory, coordinator, landlord):
    unit = make_unit(territory, organisation_of(landlord))
    first, second = household_on_list(coordinator), household_on_list(coordinator, last_name="Bernard")
    c = author_of(coordinator)
    proposals.add_candidate(unit, first, c)
    assert page(client, landlord, "housing_supply:unit", unit.pk).context["proposals"] == []
    assert len(page(client, coordinator, "housing_supply:unit", unit.pk).context["proposals"]) == 1
    proposals.send_shortlist(unit, c, days_ago(3))
    proposals.add_candidate(unit, second, c)
    rows = page(client, landlord, "housing_supply:unit", unit.pk).context["proposals"]
    assert [r["proposal"].household for r in rows] == [first]
    assert rows[0]["url"] == reverse("housing:proposal", args=[rows[0]["proposal"].pk])


# --- creating and editing a unit ------------------------------------------------------------------


def test_a_landlord_creates_its_own_unit(client, territory, landlord):
    sign_in(client, landlord)
    response = client.post(reverse("housing_supply:unit_create"), unit_post(organisation_of(landlord)))
    unit = Unit.objects.get(reference="NEW-1")
    assert response.status_code == 302 and response["Location"] == reverse("housing_supply:unit", args=[unit.pk])
    assert (unit.territory, unit.landlord, unit.typology, str(unit.surface), str(unit.rent)) == (
        territory,
        organisation_of(landlord),
        3,
        "61.5",
        "452.30",
    )
    assert (unit.status, unit.status_since) == ("available", days_ago(1))
    assert UnitEvent.objects.get(unit=unit).organisation_id == organisation_of(landlord).pk


def test_a_landlord_cannot_create_a_unit_for_another_landlord(client, landlord, other_landlord):
    sign_in(client, landlord)
    response = client.post(reverse("housing_supply:unit_create"), unit_post(organisation_of(other_landlord)))
    assert response.status_code == 200
    assert "landlord" in response.context["form"].errors
    assert not Unit.objects.exists()


def test_the_landlord_choices_are_the_users_own_or_the_coordinators_territory(
    client, territory, coordinator, landlord, other_landlord
):
    choices = page(client, landlord, "housing_supply:unit_create").context["form"].fields["landlord"].queryset
    assert list(choices) == [organisation_of(landlord)]
    choices = page(client, coordinator, "housing_supply:unit_create").context["form"].fields["landlord"].queryset
    assert {organisation_of(landlord), organisation_of(other_landlord)} <= set(choices)
    assert all(o.territory_id == territory.pk for o in choices)


def test_a_named_contingent_gives_its_kind(client, territory, coordinator, landlord):
    contingent = make_contingent(territory, organisation_of(landlord), kind="action_logement", label="AL")
    sign_in(client, coordinator)
    client.post(
        reverse("housing_supply:unit_create"),
        unit_post(organisation_of(landlord), contingent=str(contingent.pk), contingent_kind=""),
    )
    unit = Unit.objects.get()
    assert (unit.contingent, unit.contingent_kind) == (contingent, "action_logement")


def test_editing_a_unit_writes_the_changes_with_its_version(client, territory, landlord):
    unit = make_unit(territory, organisation_of(landlord))
    sign_in(client, landlord)
    response = client.post(reverse("housing_supply:unit_edit", args=[unit.pk]), edit_post(unit, rent="399,90"))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (str(unit.rent), unit.version) == ("399.90", 2)


def test_a_stale_edit_is_refused_and_changes_nothing(client, territory, landlord, coordinator):
    unit = make_unit(territory, organisation_of(landlord))
    stale = edit_post(unit, rent="399,90")
    services.update_unit(unit, author_of(coordinator), unit.version, charges=70)
    sign_in(client, landlord)
    response = client.post(reverse("housing_supply:unit_edit", args=[unit.pk]), stale)
    assert response.status_code == 200
    assert any("modifiée par quelqu'un d'autre" in e for e in response.context["form"].non_field_errors())
    unit.refresh_from_db()
    assert str(unit.rent) == "380.00"


def test_a_social_worker_edits_only_the_units_its_organisation_manages(client, territory):
    worker = user_with_role(Role.SOCIAL_WORKER, territory)
    managed = make_unit(territory, organisation_of(worker), landlord_kind="private", kind="iml")
    other = make_unit(territory, OrganisationFactory(territory=territory))
    assert page(client, worker, "housing_supply:unit_edit", managed.pk).status_code == 200
    assert page(client, worker, "housing_supply:unit_edit", other.pk).status_code == 404


# --- status actions -------------------------------------------------------------------------------


def test_withdrawing_needs_a_reason_then_the_unit_can_come_back(client, territory, landlord):
    unit = make_unit(territory, organisation_of(landlord))
    sign_in(client, landlord)
    url = reverse("housing_supply:unit_withdraw", args=[unit.pk])
    response = client.post(url, {"version": unit.version, "on": days_ago(2).isoformat(), "note": ""})
    assert "Ce champ est obligatoire." in response.context["form"].errors["note"]
    response = client.post(url, {"version": unit.version, "on": days_ago(2).isoformat(), "note": "Travaux"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.status == "withdrawn"
    response = client.get(reverse("housing_supply:unit_withdraw", args=[unit.pk]))
    assert "Impossible de retirer le logement de l'offre" in response.context["refused"]
    url = reverse("housing_supply:unit_make_available", args=[unit.pk])
    assert client.post(url, {"version": unit.version, "on": days_ago(1).isoformat()}).status_code == 302
    unit.refresh_from_db()
    assert unit.status == "available"


def test_a_future_date_is_refused_on_the_field(client, territory, landlord):
    unit = make_unit(territory, organisation_of(landlord), status="prospect")
    sign_in(client, landlord)
    response = client.post(
        reverse("housing_supply:unit_make_available", args=[unit.pk]),
        {"version": unit.version, "on": date(2999, 1, 1).isoformat()},
    )
    assert response.context["form"].errors["on"] == ["La date de mise à disposition ne peut pas être dans le futur."]
    unit.refresh_from_db()
    assert unit.status == "prospect"


def test_freeing_a_residence_unit_asks_whether_the_siao_gets_it(client, territory, coordinator):
    residence = make_residence(territory, OrganisationFactory(territory=territory))
    unit = occupy(residence_unit(residence, "PF-1"))
    sign_in(client, coordinator)
    url = reverse("housing_supply:unit_free", args=[unit.pk])
    response = client.get(url)
    assert response.context["share"]["next_due_to_siao"] is True
    assert "Le prochain logement libéré revient au SIAO." in response.content.decode()
    response = client.post(url, {"version": unit.version, "on": days_ago(1).isoformat()})
    assert response.context["form"].errors["to_siao"] == ["Indiquez si ce logement libéré est confié au SIAO."]
    assert (
        client.post(url, {"version": unit.version, "on": days_ago(1).isoformat(), "to_siao": "oui"}).status_code == 302
    )
    event = UnitEvent.objects.filter(unit=unit, action="free").get()
    assert event.to_siao is True


def test_freeing_an_ordinary_unit_does_not_ask_about_the_siao(client, territory, landlord):
    unit = occupy(make_unit(territory, organisation_of(landlord)))
    sign_in(client, landlord)
    url = reverse("housing_supply:unit_free", args=[unit.pk])
    assert "to_siao" not in client.get(url).context["form"].fields
    assert client.post(url, {"version": unit.version, "on": days_ago(1).isoformat()}).status_code == 302
    assert UnitEvent.objects.get(unit=unit, action="free").to_siao is None


# --- residences -----------------------------------------------------------------------------------


def test_the_residence_page_shows_its_places_units_and_siao_share(client, territory, coordinator):
    residence = make_residence(territory, OrganisationFactory(territory=territory), name="Les Tilleuls")
    units = [occupy(residence_unit(residence, f"PF-{i}")) for i in range(3)]
    free(units[0], True)
    free(units[1], False)
    response = page(client, coordinator, "housing_supply:residence", residence.pk)
    html = response.content.decode()
    assert response.context["share"]["freed"] == 2 and response.context["share"]["handed"] == 1
    assert "1 logement confié au SIAO sur 2 libérés (50 %) ; part visée : 30 %." in html
    assert "Le prochain logement libéré peut être attribué par la résidence." in html
    listed = page(client, coordinator, "housing_supply:residences").context["entries"]
    assert [(e["residence"], e["share"]["freed"], e["share"]["handed"]) for e in listed] == [(residence, 2, 1)]
    # The units are counted once each, whatever their events (a subquery, not a join: decision 0024).
    assert listed[0]["residence"].unit_count == 3


def test_the_coordinator_creates_a_residence_others_may_not(client, territory, coordinator, landlord):
    manager = OrganisationFactory(territory=territory)
    data = {
        "name": "Résidence accueil du Drac",
        "kind": "residence_accueil",
        "manager": str(manager.pk),
        "commune_insee": "38185",
        "commune_name": "Grenoble",
        "places": "25",
        "siao_share": "0,3",
    }
    assert page(client, landlord, "housing_supply:residence_create").status_code == 403
    sign_in(client, coordinator)
    response = client.post(reverse("housing_supply:residence_create"), data)
    residence = Residence.objects.get()
    assert response["Location"] == reverse("housing_supply:residence", args=[residence.pk])
    assert (residence.territory, residence.places, str(residence.siao_share)) == (territory, 25, "0.300")


# --- contingents ----------------------------------------------------------------------------------


def designate(coordinator, unit, household, on):
    c = author_of(coordinator)
    proposal = proposals.add_candidate(unit, household, c)
    proposals.send_shortlist(unit, c, on)
    proposal.refresh_from_db()
    return proposal


def test_a_contingent_shows_its_designations_outcomes_and_progress(client, territory, coordinator, landlord):
    holder = landlord_user(territory)
    contingent = make_contingent(territory, organisation_of(holder), target=30)
    units = [
        make_unit(territory, organisation_of(landlord), contingent=contingent, contingent_kind="commune")
        for _ in range(3)
    ]
    households = [household_on_list(coordinator, last_name=name) for name in ("Alpha", "Bravo", "Charlie")]
    this_year = days_ago(0).replace(day=1, month=1)
    on = max(this_year, days_ago(20))
    allocated = designate(coordinator, units[0], households[0], on)
    refused = designate(coordinator, units[1], households[1], on)
    designate(coordinator, units[2], households[2], on)
    c = author_of(coordinator)
    proposals.decide(allocated, c, P.ALLOCATED, on, committee_rank=1)
    proposals.decide(refused, c, P.COMMITTEE_REFUSED, on, refusal_reason=refusal(territory, "bailleur-dette").pk)
    for viewer in (coordinator, holder):
        response = page(client, viewer, "housing_supply:contingent", contingent.pk)
        outcomes = response.context["outcomes"]
        assert (outcomes["total"], outcomes["allocated"], outcomes["waiting"], outcomes["refused"]) == (3, 1, 1, 1)
        assert outcomes["by_reason"][0]["refusal_reason__label"] == "Dette locative antérieure"
        assert response.context["progress"]["done"] == 3 and response.context["progress"]["target"] == 30
        assert len(response.context["designations"]) == 3
    entries = page(client, holder, "housing_supply:contingents").context["entries"]
    assert [(e["contingent"], e["contingent"].designation_count) for e in entries] == [(contingent, 3)]
    assert entries[0]["contingent"].unit_count == 3


def test_a_holder_sees_only_the_contingents_it_holds(client, territory, coordinator, landlord, other_landlord):
    mine = make_contingent(territory, organisation_of(landlord), label="Mien")
    theirs = make_contingent(territory, organisation_of(other_landlord), label="Autre")
    listed = [e["contingent"] for e in page(client, landlord, "housing_supply:contingents").context["entries"]]
    assert listed == [mine]
    assert page(client, landlord, "housing_supply:contingent", theirs.pk).status_code == 404
    listed = {e["contingent"] for e in page(client, coordinator, "housing_supply:contingents").context["entries"]}
    assert listed == {mine, theirs}


def test_the_coordinator_creates_a_contingent(client, territory, coordinator, landlord):
    sign_in(client, coordinator)
    data = {
        "label": "Contingent municipal",
        "kind": "commune",
        "holder": organisation_of(landlord).pk,
        "yearly_target": "30",
    }
    response = client.post(reverse("housing_supply:contingent_create"), data)
    contingent = ContingentQuota.objects.get()
    assert response["Location"] == reverse("housing_supply:contingent", args=[contingent.pk])
    assert (contingent.territory, contingent.yearly_target) == (territory, 30)


def test_another_territorys_contingent_and_residence_answer_404(client, other_territory, coordinator):
    holder = OrganisationFactory(territory=other_territory)
    contingent = make_contingent(other_territory, holder)
    residence = make_residence(other_territory, holder)
    assert page(client, coordinator, "housing_supply:contingent", contingent.pk).status_code == 404
    assert page(client, coordinator, "housing_supply:residence", residence.pk).status_code == 404


# --- the landlord's home --------------------------------------------------------------------------


def test_the_landlords_home_counts_its_units_and_lists_what_awaits_the_committee(
    client, territory, coordinator, landlord, other_landlord
):
    unit = make_unit(territory, organisation_of(landlord))
    make_unit(territory, organisation_of(landlord), status="prospect")
    make_unit(territory, organisation_of(other_landlord))
    sent = designate(coordinator, unit, household_on_list(coordinator), days_ago(2))
    response = page(client, landlord, "housing_supply:mine")
    counts = {code: n for code, _, n in response.context["by_status"]}
    assert (counts["proposed"], counts["prospect"], response.context["total"]) == (1, 1, 2)
    assert [r["proposal"] for r in response.context["waiting"]] == [sent]
    assert [r["proposal"] for r in page(client, other_landlord, "housing_supply:mine").context["waiting"]] == []


# --- bounded queries ------------------------------------------------------------------------------


def _bounded(client, user, url, add, django_assert_max_num_queries, limit=25):
    sign_in(client, user)
    add(2)
    with django_assert_max_num_queries(limit) as few:
        assert client.get(url).status_code == 200
    add(30)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_the_unit_list_queries_do_not_grow(client, territory, coordinator, landlord, django_assert_max_num_queries):
    contingent = make_contingent(territory, organisation_of(landlord))

    def add(n):
        for _ in range(n):
            make_unit(
                territory, OrganisationFactory(territory=territory), contingent=contingent, contingent_kind="commune"
            )

    _bounded(client, coordinator, reverse("housing_supply:units"), add, django_assert_max_num_queries)


def test_the_unit_page_queries_do_not_grow_with_its_history(
    client, territory, coordinator, landlord, django_assert_max_num_queries
):
    residence = make_residence(territory, organisation_of(landlord))
    unit = residence_unit(residence, "PF-1")

    def add(n):
        for _ in range(n):
            services.withdraw_unit(unit, author_of(landlord), "Travaux", days_ago(10))
            services.make_available(unit, author_of(landlord), days_ago(10))

    _bounded(client, coordinator, reverse("housing_supply:unit", args=[unit.pk]), add, django_assert_max_num_queries)


def test_the_residence_pages_queries_do_not_grow(client, territory, coordinator, django_assert_max_num_queries):
    manager = OrganisationFactory(territory=territory)
    first = make_residence(territory, manager, name="Première")
    count = {"n": 0}

    def add(n):
        for _ in range(n):
            count["n"] += 1
            make_residence(territory, manager, name=f"Résidence {count['n']}")
            free(occupy(residence_unit(first, f"PF-{count['n']}")), to_siao=count["n"] % 3 == 1)

    _bounded(client, coordinator, reverse("housing_supply:residences"), add, django_assert_max_num_queries)
    sign_in(client, coordinator)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("housing_supply:residence", args=[first.pk]))
    assert response.context["share"]["freed"] == 32


def test_the_contingent_pages_and_the_home_queries_do_not_grow(
    client, territory, coordinator, landlord, django_assert_max_num_queries
):
    contingent = make_contingent(territory, organisation_of(landlord))

    def add(n):
        for _ in range(n):
            unit = make_unit(territory, organisation_of(landlord), contingent=contingent, contingent_kind="commune")
            designate(coordinator, unit, household_on_list(coordinator), days_ago(0))
            make_contingent(territory, OrganisationFactory(territory=territory), label=f"C{unit.pk}")

    for user, url in (
        (coordinator, reverse("housing_supply:contingent", args=[contingent.pk])),
        (coordinator, reverse("housing_supply:contingents")),
        (landlord, reverse("housing_supply:mine")),
    ):
        _bounded(client, user, url, add, django_assert_max_num_queries)

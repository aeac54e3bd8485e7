"""The capture pages: the pipeline, a prospect's steps and incentives, targets and their progress."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from lda.accounts.roles import Role
from lda.housing import codes, services
from lda.housing.models import CaptureProspect, CaptureTarget, Incentive, Unit
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, user_with_role
from tests.housing.helpers import author_of, days_ago, organisation_of

pytestmark = pytest.mark.django_db
S = codes.CaptureStage


@pytest.fixture
def coordinator(territory):
    return user_with_role(Role.COORDINATOR, territory)


@pytest.fixture
def worker(territory):
    return user_with_role(Role.SOCIAL_WORKER, territory)


def prospect_of(user, **fields):
    values = {
        "operator": organisation_of(user),
        "owner_label": "M. D.",
        "address": "3 rue Lesdiguières",
        "commune_insee": "38185",
        "commune_name": "Grenoble",
        "typology": 2,
        "surface": Decimal("40"),
        "rent_asked": Decimal("520"),
        "contacted_on": days_ago(30),
    }
    values.update(fields)
    return services.create_prospect(organisation_of(user).territory, author_of(user), **values)


def agreed(user, mode=codes.CaptureMode.MANDATE, **fields):
    prospect = prospect_of(user, **fields)
    return services.record_agreement(prospect, author_of(user), days_ago(20), mode)


def step_url(prospect, step):
    return reverse("housing_capture:prospect_step", args=[prospect.pk, step])


def errors_of(response) -> dict:
    """The errors of the step just posted (the page shows every step the stage allows)."""
    return next(s["form"] for s in response.context["steps"] if s["form"].is_bound).errors


# --- creating a prospect --------------------------------------------------------------------------


def test_a_social_worker_records_a_prospect_for_its_organisation(client, worker):
    sign_in(client, worker)
    data = {
        "operator": organisation_of(worker).pk,
        "owner_label": "SCI Les Tilleuls",
        "address": "8 rue Thiers",
        "commune_insee": "38185",
        "commune_name": "Grenoble",
        "typology": "3",
        "surface": "61,5",
        "rent_asked": "650",
        "contacted_on": days_ago(2).isoformat(),
        "reserved_for_housing_first": "on",
    }
    response = client.post(reverse("housing_capture:prospect_create"), data)
    prospect = CaptureProspect.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "housing_capture:prospect", args=[prospect.pk]
    )
    assert (prospect.stage, prospect.surface, prospect.rent_asked) == (S.CONTACTED, Decimal("61.5"), Decimal("650"))


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("commune_insee", "3818", "code INSEE"),
        ("surface", "abc", "surface en m²"),
        ("surface", "0", "au moins 1 m²"),
        ("rent_asked", "-5", "négatif"),
        ("rent_asked", "1e9", "dépasse"),
        ("contacted_on", "31/02/2025", "date valide"),
        ("typology", "9", "typologie"),
        ("owner_label", "", "propriétaire"),
        ("owner_label", "1 84 12 76 451 089 46", "sécurité sociale"),
    ],
)
def test_a_bad_prospect_is_refused_field_by_field_and_nothing_is_saved(client, worker, field, value, message):
    sign_in(client, worker)
    data = {
        "operator": organisation_of(worker).pk,
        "owner_label": "M. D.",
        "address": "8 rue Thiers",
        "commune_insee": "38185",
        "commune_name": "Grenoble",
        "typology": "3",
        "surface": "61",
        "rent_asked": "650",
        "contacted_on": days_ago(2).isoformat(),
        field: value,
    }
    response = client.post(reverse("housing_capture:prospect_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message.lower() in " ".join(errors[field]).lower()
    assert not CaptureProspect.objects.exists()


def test_a_future_contact_date_is_refused(client, worker):
    sign_in(client, worker)
    data = {
        "operator": organisation_of(worker).pk,
        "owner_label": "M. D.",
        "address": "8 rue Thiers",
        "commune_insee": "38185",
        "commune_name": "Grenoble",
        "typology": "3",
        "surface": "61",
        "rent_asked": "650",
        "contacted_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }
    response = client.post(reverse("housing_capture:prospect_create"), data)
    assert "futur" in response.context["form"].errors["contacted_on"][0]
    assert not CaptureProspect.objects.exists()


def test_a_social_worker_may_not_capture_for_another_organisation(client, worker, territory):
    other = OrganisationFactory(territory=territory)
    sign_in(client, worker)
    response = client.post(reverse("housing_capture:prospect_create"), {"operator": other.pk})
    assert "operator" in response.context["form"].errors
    assert not CaptureProspect.objects.exists()


# --- the steps ------------------------------------------------------------------------------------


def test_the_page_offers_only_the_steps_of_the_stage(client, worker):
    prospect = prospect_of(worker)
    sign_in(client, worker)
    page = client.get(reverse("housing_capture:prospect", args=[prospect.pk]))
    assert [s["code"] for s in page.context["steps"]] == ["visite", "accord", "refus"]
    services.record_visit(prospect, author_of(worker), days_ago(25))
    page = client.get(reverse("housing_capture:prospect", args=[prospect.pk]))
    assert [s["code"] for s in page.context["steps"]] == ["accord", "refus"]


def test_visit_agreement_opening_and_incentives_through_the_pages(client, worker):
    prospect = prospect_of(worker)
    sign_in(client, worker)
    response = client.post(
        step_url(prospect, "visite"), {"visite-visited_on": days_ago(25).isoformat(), "visite-expected_version": 1}
    )
    assert response.status_code == 302
    response = client.post(
        step_url(prospect, "accord"),
        {"accord-decided_on": days_ago(20).isoformat(), "accord-mode": "sous_location", "accord-expected_version": 2},
    )
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.stage, prospect.mode) == (S.AGREED, "sous_location")
    paid = {"prime-reason": "captation", "prime-amount": "2 000", "prime-paid_on": days_ago(19).isoformat()}
    assert client.post(step_url(prospect, "prime"), paid).status_code == 302
    opening = {
        "ouverture-on": days_ago(10).isoformat(),
        "ouverture-reference": "IML-2025-001",
        "ouverture-rent": "520",
        "ouverture-charges": "40",
        "ouverture-floor": "2",
        "ouverture-lift": "on",
        "ouverture-contingent_kind": "prefecture",
        "ouverture-expected_version": prospect.version,
    }
    assert client.post(step_url(prospect, "ouverture"), opening).status_code == 302
    unit = Unit.objects.get(reference="IML-2025-001")
    assert (unit.status, unit.kind, unit.capture_mode, unit.floor, unit.lift) == (
        "available",
        "iml",
        "sous_location",
        2,
        True,
    )
    # A new family in sublease: the incentive is paid again.
    again = {"prime-reason": "nouvelle_famille", "prime-amount": "2000", "prime-paid_on": days_ago(1).isoformat()}
    assert client.post(step_url(prospect, "prime"), again).status_code == 302
    page = client.get(reverse("housing_capture:prospect", args=[prospect.pk]))
    assert page.context["incentives_total"] == Decimal("4000")
    assert "4\u00a0000,00 €" in page.content.decode() or "4 000,00 €" in page.content.decode()


def test_a_new_family_incentive_outside_sublease_is_refused(client, worker):
    prospect = agreed(worker, mode=codes.CaptureMode.MANDATE)
    sign_in(client, worker)
    data = {"prime-reason": "nouvelle_famille", "prime-amount": "2000", "prime-paid_on": days_ago(1).isoformat()}
    response = client.post(step_url(prospect, "prime"), data)
    assert response.status_code == 200
    assert "sous-location" in errors_of(response)["reason"][0]
    assert not Incentive.objects.exists()


@pytest.mark.parametrize(
    "data,field",
    [
        ({"prime-reason": "captation", "prime-amount": "0", "prime-paid_on": "2025-01-02"}, "amount"),
        ({"prime-reason": "captation", "prime-amount": "deux mille", "prime-paid_on": "2025-01-02"}, "amount"),
        ({"prime-reason": "", "prime-amount": "2000", "prime-paid_on": "2025-01-02"}, "reason"),
        ({"prime-reason": "captation", "prime-amount": "2000", "prime-paid_on": ""}, "paid_on"),
    ],
)
def test_a_bad_incentive_is_refused(client, worker, data, field):
    prospect = agreed(worker)
    sign_in(client, worker)
    response = client.post(step_url(prospect, "prime"), data)
    assert field in errors_of(response)
    assert not Incentive.objects.exists()


def test_a_refusal_needs_its_reason_and_a_visit_cannot_precede_the_contact(client, worker):
    prospect = prospect_of(worker)
    sign_in(client, worker)
    response = client.post(
        step_url(prospect, "refus"), {"refus-decided_on": days_ago(1).isoformat(), "refus-expected_version": 1}
    )
    assert "motif" in errors_of(response)["refusal_reason"][0]
    response = client.post(
        step_url(prospect, "visite"), {"visite-visited_on": days_ago(40).isoformat(), "visite-expected_version": 1}
    )
    assert "précéder" in errors_of(response)["visited_on"][0]
    prospect.refresh_from_db()
    assert (prospect.stage, prospect.version) == (S.CONTACTED, 1)


def test_a_step_on_a_stale_page_is_refused(client, worker):
    prospect = prospect_of(worker)
    services.record_visit(prospect, author_of(worker), days_ago(25))
    sign_in(client, worker)
    response = client.post(
        step_url(prospect, "accord"),
        {"accord-decided_on": days_ago(1).isoformat(), "accord-mode": "mandat", "accord-expected_version": 1},
    )
    assert "modifiée par quelqu'un d'autre" in errors_of(response)["__all__"][0]
    prospect.refresh_from_db()
    assert prospect.stage == S.VISITED


def test_a_step_the_stage_does_not_allow_is_refused(client, worker):
    prospect = prospect_of(worker)
    sign_in(client, worker)
    response = client.post(step_url(prospect, "ouverture"), {})
    assert response.status_code == 302
    assert not Unit.objects.exists()


def test_another_organisations_prospect_answers_404(client, worker, territory):
    other = user_with_role(Role.SOCIAL_WORKER, territory)
    prospect = prospect_of(other)
    sign_in(client, worker)
    assert client.get(reverse("housing_capture:prospect", args=[prospect.pk])).status_code == 404
    assert client.get(step_url(prospect, "visite")).status_code == 404


# --- the pipeline -------------------------------------------------------------------------------


def test_the_pipeline_counts_each_stage_and_filters(client, coordinator, worker, territory):
    prospect_of(worker)
    agreed(worker, mode=codes.CaptureMode.SUBLEASE, commune_insee="38151", commune_name="Échirolles")
    refused = prospect_of(worker)
    services.record_refusal(refused, author_of(worker), days_ago(5), "loyer")
    sign_in(client, coordinator)
    page = client.get(reverse("housing_capture:prospects"))
    counts = {p["stage"]: p["count"] for p in page.context["pipeline"]}
    assert counts == {"contacted": 1, "visited": 0, "agreed": 1, "refused": 1, "available": 0}
    page = client.get(reverse("housing_capture:prospects"), {"commune": "CHIROLLES"})
    assert page.context["page"].paginator.count == 1
    page = client.get(reverse("housing_capture:prospects"), {"mode": "sous_location"})
    assert [p.commune_insee for p in page.context["page"].object_list] == ["38151"]
    page = client.get(reverse("housing_capture:prospects"), {"etape": "refused"})
    assert [p.pk for p in page.context["page"].object_list] == [refused.pk]
    page = client.get(reverse("housing_capture:prospects"), {"operateur": organisation_of(worker).pk})
    assert page.context["page"].paginator.count == 3


def test_a_social_worker_sees_only_its_organisations_prospects(client, worker, territory):
    prospect_of(worker)
    prospect_of(user_with_role(Role.SOCIAL_WORKER, territory))
    sign_in(client, worker)
    page = client.get(reverse("housing_capture:prospects"))
    assert page.context["page"].paginator.count == 1


def _list_queries(client, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(reverse("housing_capture:prospects")).status_code == 200
    return len(captured)


def test_the_pipeline_reads_a_bounded_number_of_queries(client, coordinator, worker, django_assert_max_num_queries):
    prospect_of(worker)
    sign_in(client, coordinator)
    few = _list_queries(client, django_assert_max_num_queries, 20)
    for n in range(12):
        prospect = agreed(worker, mode=codes.CaptureMode.SUBLEASE)
        services.pay_incentive(prospect, author_of(worker), "captation", Decimal("2000"), days_ago(1))
    many = _list_queries(client, django_assert_max_num_queries, 20)
    assert many == few


# --- targets ---------------------------------------------------------------------------------------


def test_targets_show_progress_as_text_and_an_accessible_bar(client, coordinator, worker, territory):
    today = timezone.localdate()
    services.create_target(
        territory,
        author_of(coordinator),
        label="Plateforme : 4 logements",
        mode="",
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=100),
        units=4,
        reserved_for_housing_first=3,
    )
    agreed(worker)
    sign_in(client, worker)
    page = client.get(reverse("housing_capture:targets"))
    html = page.content.decode()
    assert "1 logement capté sur 4 (25 %)" in html
    assert "dont 1 réservé au Logement d'abord sur 3" in html
    assert re.search(r'<progress[^>]*max="100" value="25"[^>]*aria-labelledby="objectif-\d+"', html)
    assert "En retard : 1 logement de moins qu'attendu." in html  # 2 expected by now


def test_units_captured_by_mode_and_year_with_incentive_cost(client, coordinator, worker):
    first = agreed(worker, mode=codes.CaptureMode.MANDATE)
    second = agreed(worker, mode=codes.CaptureMode.SUBLEASE)
    services.pay_incentive(first, author_of(worker), "captation", Decimal("2000"), days_ago(1))
    services.pay_incentive(second, author_of(worker), "captation", Decimal("2000"), days_ago(1))
    sign_in(client, coordinator)
    figures = client.get(reverse("housing_capture:targets")).context["figures"]
    assert figures["total"] == 2 and figures["cost"] == Decimal("4000")
    mandate, sublease, sliding = figures["per_mode"]
    assert (mandate["count"], sublease["count"], sliding["count"]) == (1, 1, 0)
    assert mandate["since"] == days_ago(20) and sliding["since"] is None


def test_the_targets_page_reads_a_bounded_number_of_queries(
    client, coordinator, worker, territory, django_assert_max_num_queries
):
    def target(n):
        services.create_target(
            territory,
            author_of(coordinator),
            label=f"Objectif {n}",
            starts_on=date(2024, 1, 1),
            ends_on=date(2030, 1, 1),
            units=5,
        )

    target(0)
    sign_in(client, coordinator)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("housing_capture:targets"))
    for n in range(8):
        agreed(worker)
    with django_assert_max_num_queries(40) as many:
        client.get(reverse("housing_capture:targets"))
    assert len(many) == len(few)  # prospects do not add queries
    target(1)
    with django_assert_max_num_queries(40) as more:
        client.get(reverse("housing_capture:targets"))
    assert len(more) == len(many) + 1  # one aggregate query per target (a territory has a handful)


def test_the_coordinator_creates_a_target_and_bad_ones_are_refused(client, coordinator):
    sign_in(client, coordinator)
    url = reverse("housing_capture:target_create")
    good = {
        "label": "Grenoble 2023",
        "mode": "mandat",
        "starts_on": "2021-01-01",
        "ends_on": "2023-12-31",
        "units": "225",
    }
    assert client.post(url, good).status_code == 302
    bad = {**good, "ends_on": "2020-12-31"}
    assert "échéance" in client.post(url, bad).context["form"].errors["ends_on"][0].lower()
    bad = {**good, "reserved_for_housing_first": "300"}
    assert "dépasse" in client.post(url, bad).context["form"].errors["reserved_for_housing_first"][0]
    bad = {**good, "units": "0"}
    assert "au moins 1" in client.post(url, bad).context["form"].errors["units"][0]
    assert CaptureTarget.objects.count() == 1

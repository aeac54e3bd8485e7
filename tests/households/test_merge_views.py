"""The coordinator's duplicates pages: pairs, comparison, merge, history and undo."""

from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape

from lda.audit.models import AccessLog
from lda.households import codes, merge
from lda.households.models import Household, MergeRecord, Person
from lda.households.services import STALE_MESSAGE, PersonData
from tests.households.helpers import author_of, make_household


@pytest.fixture(autouse=True)
def _no_cached_pairs():
    """Pairs are cached per territory id, and ids come back from one test to the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def coordinator_client(client_for):
    return client_for("coordinator")


@pytest.fixture
def worker(users):
    return users["social_worker"]


FAMILIES = [
    (("Lefebvre", "Catherine"), ("Lefèvre", "Katherine")),
    (("Roussel", "Sandrine"), ("Rousel", "Sandrnie")),
    (("Nguyen", "Thi Lan"), ("NGUYEN", "Thi-Lan")),
    (("Benali", "Mohamed"), ("Ben Ali", "Mohammed")),
    (("Dupont", "Jean"), ("Dupond", "Jean")),
]


def _twins(worker, count=1):
    """Pairs of households whose heads are the same person written differently (born a day apart)."""
    made = []
    for (last, first), (other_last, other_first) in FAMILIES[:count]:
        one = PersonData(last, first, birth_date=date(1985, 4, 2), is_head=True)
        two = PersonData(other_last, other_first, birth_date=date(1985, 4, 3), is_head=True)
        made.append((make_household(worker, persons=[one]), make_household(worker, persons=[two])))
    return made


def test_pairs_page_lists_likely_pairs_in_bounded_queries(coordinator_client, worker, django_assert_max_num_queries):
    (a, b), *_ = _twins(worker, count=5)
    url = reverse("merges:pairs")
    with django_assert_max_num_queries(12):
        response = coordinator_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert a.reference in page and b.reference in page
    assert reverse("merges:compare", args=[a.pk, b.pk]) in page or reverse("merges:compare", args=[b.pk, a.pk]) in page
    assert "noms qui se prononcent de la même façon" in page
    assert AccessLog.objects.filter(object_type="duplicate_pairs").exists()


def test_pairs_page_offers_to_merge_twins_of_one_household(coordinator_client, worker):
    household = make_household(
        worker,
        persons=[
            PersonData("Martin", "Léa", birth_date=date(1985, 4, 2), is_head=True),
            PersonData("MARTIN", "Lea", birth_date=date(1985, 4, 2)),
        ],
    )
    page = coordinator_client.get(reverse("merges:pairs")).content.decode()
    first, second = household.persons.order_by("pk")
    assert reverse("merges:merge_persons", args=[first.pk, second.pk]) in page
    response = coordinator_client.post(
        reverse("merges:merge_persons", args=[first.pk, second.pk]),
        {"kept_version": household.version, "merged_version": household.version},
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=second.pk).merged_into_id == first.pk


def test_compare_then_merge(coordinator_client, worker, django_assert_max_num_queries):
    (kept, merged), *_ = _twins(worker)
    url = reverse("merges:compare", args=[kept.pk, merged.pk])
    with django_assert_max_num_queries(20):
        response = coordinator_client.get(url)
    page = response.content.decode()
    assert "Fusionner" in page and "Lefèvre" in page and "Même personne" in page
    assert AccessLog.objects.filter(object_type="household", section="comparaison").count() == 2
    response = coordinator_client.post(
        reverse("merges:merge", args=[kept.pk, merged.pk]),
        {"kept_version": kept.version, "merged_version": merged.version},
    )
    assert response.status_code == 302 and response["Location"] == reverse("households:detail", args=[kept.pk])
    assert Household.objects.get(pk=merged.pk).status == codes.HouseholdStatus.MERGED
    # Comparing again shows why it cannot be merged twice, and offers no button.
    page = coordinator_client.get(url).content.decode()
    assert "a déjà été fusionné" in page and 'action="' + reverse("merges:merge", args=[kept.pk, merged.pk]) not in page


def test_stale_version_is_refused_with_the_french_message(coordinator_client, worker):
    (kept, merged), *_ = _twins(worker)
    response = coordinator_client.post(
        reverse("merges:merge", args=[kept.pk, merged.pk]),
        {"kept_version": kept.version, "merged_version": merged.version - 1},
        follow=True,
    )
    assert escape(STALE_MESSAGE) in response.content.decode()
    assert Household.objects.get(pk=merged.pk).status != codes.HouseholdStatus.MERGED
    response = coordinator_client.post(reverse("merges:merge", args=[kept.pk, merged.pk]), follow=True)
    assert "La demande est incomplète" in response.content.decode()


def test_post_only_urls_refuse_get(coordinator_client, worker):
    (kept, merged), *_ = _twins(worker)
    assert coordinator_client.get(reverse("merges:merge", args=[kept.pk, merged.pk])).status_code == 405
    assert coordinator_client.get(reverse("merges:undo", args=[1])).status_code == 405


def test_history_and_undo(coordinator_client, users, worker, django_assert_max_num_queries):
    pairs = _twins(worker, count=3)
    records = [merge.merge_households(a, b, author_of(users["coordinator"])) for a, b in pairs]
    with django_assert_max_num_queries(12):
        response = coordinator_client.get(reverse("merges:history"))
    page = response.content.decode()
    assert all(b.reference in page for _, b in pairs)
    assert page.count("Annuler la fusion") == 3
    response = coordinator_client.post(reverse("merges:undo", args=[records[0].pk]), follow=True)
    assert "La fusion a été annulée" in response.content.decode()
    assert MergeRecord.objects.get(pk=records[0].pk).undone_at is not None
    assert "Annulée le" in response.content.decode()
    # A merge that cannot be undone says why.
    kept, merged = pairs[1]
    Person.objects.filter(pk__in=records[1].moved["persons"]).update(household=merged)
    response = coordinator_client.post(reverse("merges:undo", args=[records[1].pk]), follow=True)
    page = response.content.decode()
    assert "La fusion ne peut pas être annulée" in page and "ne sont plus dans le dossier" in page
    response = coordinator_client.post(reverse("merges:undo", args=[records[0].pk]), follow=True)
    assert "déjà été annulée" in response.content.decode()


def test_cached_pairs_follow_later_merges(coordinator_client, users, worker):
    (a, b), (c, d) = _twins(worker, count=2)
    url = reverse("merges:pairs")
    assert reverse("merges:compare", args=[a.pk, b.pk]) in coordinator_client.get(url).content.decode()
    coordinator = author_of(users["coordinator"])
    merge.merge_households(a, b, coordinator)  # outside the pages: the cache stays
    merge.merge_persons(c.persons.get(), d.persons.get(), coordinator)
    page = coordinator_client.get(url).content.decode()
    # The two heads now live in one household: the pair offers to merge the persons.
    assert reverse("merges:compare", args=[a.pk, b.pk]) not in page
    first, second = Person.objects.filter(household=a).order_by("pk")
    assert reverse("merges:merge_persons", args=[first.pk, second.pk]) in page
    assert d.reference not in page

"""The alert inbox: who sees which alert, grouping and order, closing by hand, the menu count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lda.accounts.roles import Role
from lda.audit.models import AccessLog, Action
from lda.measures import services
from lda.measures.alert_views import open_count
from lda.measures.models import Alert
from lda.measures.services import EndData
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import author_of, verified
from tests.measures.helpers import active_measure, chef_slisl, open_measure


@pytest.fixture
def coordinator(users):
    return verified(users["coordinator"])


@pytest.fixture
def operator(users):
    return users["social_worker"]


def alert(measure, kind, due_on, audience="coordinator", approver=""):
    return Alert.objects.create(
        territory_id=measure.territory_id,
        measure=measure,
        kind=kind,
        due_on=due_on,
        audience=audience,
        approver=approver,
    )


def test_the_coordinator_sees_an_exit_and_marks_it_dealt_with(client, coordinator, operator):
    measure = active_measure(coordinator, operator)
    services.end(measure, EndData(timezone.localdate(), "rupture"), author_of(operator), measure.version)
    exit_alert = Alert.objects.get(measure=measure, kind="exit")
    sign_in(client, coordinator)
    page = client.get(reverse("alerts:list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Sortie, rupture ou non-adhésion" in html
    assert measure.household.reference in html
    assert f'href="{reverse("measures:detail", args=[measure.pk])}"' in html
    assert reverse("alerts:close", args=[exit_alert.pk]) in html
    assert open_count(coordinator) == 1
    response = client.post(reverse("alerts:close", args=[exit_alert.pk]))
    assert response.status_code == 302
    exit_alert.refresh_from_db()
    assert exit_alert.closed_at is not None
    assert open_count(coordinator) == 0
    assert AccessLog.objects.filter(action=Action.UPDATE, object_type="alert", object_id=str(exit_alert.pk)).exists()
    # Twice: nothing more happens.
    client.post(reverse("alerts:close", args=[exit_alert.pk]))
    assert "Aucune alerte en cours" in client.get(reverse("alerts:list")).content.decode()


def test_an_alert_that_closes_itself_cannot_be_closed_by_hand(client, coordinator, operator):
    measure = active_measure(coordinator, operator)
    overdue = alert(measure, "review_overdue", timezone.localdate() - timedelta(days=3))
    sign_in(client, coordinator)
    html = client.get(reverse("alerts:list")).content.decode()
    assert reverse("alerts:close", args=[overdue.pk]) not in html
    assert "En retard" in html  # said in words, not only by colour
    response = client.post(reverse("alerts:close", args=[overdue.pk]), follow=True)
    assert "se clôt d" in response.content.decode()
    overdue.refresh_from_db()
    assert overdue.closed_at is None


def test_a_contract_alert_left_open_after_activation_can_be_closed(client, coordinator, operator):
    measure = active_measure(coordinator, operator)
    stale = alert(measure, "contract_waiting", measure.sent_on - timedelta(days=1))
    sign_in(client, coordinator)
    assert reverse("alerts:close", args=[stale.pk]) in client.get(reverse("alerts:list")).content.decode()
    client.post(reverse("alerts:close", args=[stale.pk]))
    stale.refresh_from_db()
    assert stale.closed_at is not None


def test_each_sees_their_own_alerts(client, territory, coordinator, operator):
    measure = active_measure(coordinator, operator)
    today = timezone.localdate()
    for_coordinator = alert(measure, "exit", today)
    for_operator = alert(measure, "review_due", today + timedelta(days=10), audience="operator")
    for_chef = alert(measure, "renewal_waiting", today, audience="approver", approver="chef_slisl")
    chef = chef_slisl(territory)
    other_operator = user_with_role(Role.SOCIAL_WORKER, territory)
    seen = {
        user: set(
            Alert.objects.filter(pk__in=[a.pk for a in (for_coordinator, for_operator, for_chef)])
            .filter(pk__in=_listed(client, user))
            .values_list("pk", flat=True)
        )
        for user in (coordinator, operator, chef, other_operator)
    }
    assert seen[coordinator] == {for_coordinator.pk}
    assert seen[operator] == {for_operator.pk}
    assert seen[chef] == {for_chef.pk}
    assert seen[other_operator] == set()
    assert (open_count(operator), open_count(other_operator), open_count(chef)) == (1, 0, 1)
    # Closing somebody else's alert: 404, and it stays open.
    sign_in(client, operator)
    assert client.post(reverse("alerts:close", args=[for_coordinator.pk])).status_code == 404
    for_coordinator.refresh_from_db()
    assert for_coordinator.closed_at is None


def _listed(client, user):
    sign_in(client, user)
    response = client.get(reverse("alerts:list"))
    assert response.status_code == 200
    return [row.alert.pk for group in response.context["groups"] for row in group.rows]


def test_another_territorys_alert_answers_404(client, coordinator, other_territory):
    there = user_with_role(Role.COORDINATOR, other_territory)
    measure = open_measure(there, user_with_role(Role.SOCIAL_WORKER, other_territory))
    far = alert(measure, "exit", timezone.localdate())
    sign_in(client, coordinator)
    assert client.post(reverse("alerts:close", args=[far.pk])).status_code == 404
    assert far.pk not in _listed(client, coordinator)


def test_alerts_are_grouped_by_kind_oldest_first(client, coordinator, operator):
    first = active_measure(coordinator, operator)
    second = active_measure(coordinator, operator)
    today = timezone.localdate()
    late = alert(second, "review_overdue", today - timedelta(days=30))
    later = alert(first, "review_overdue", today - timedelta(days=2))
    ending = alert(first, "end_approaching", today + timedelta(days=20))
    gone = alert(second, "exit", today)
    sign_in(client, coordinator)
    groups = client.get(reverse("alerts:list")).context["groups"]
    assert [g.kind for g in groups] == ["exit", "review_overdue", "end_approaching"]
    assert [[r.alert.pk for r in g.rows] for g in groups] == [[gone.pk], [late.pk, later.pk], [ending.pk]]


def test_no_permission_no_inbox(client, users):
    sign_in(client, users[Role.REFERENT])
    assert client.get(reverse("alerts:list")).status_code == 403
    assert open_count(users[Role.REFERENT]) == 0
    assert open_count(None) == 0


def test_the_inbox_reads_a_bounded_number_of_queries(client, coordinator, operator, django_assert_max_num_queries):
    measures = [active_measure(coordinator, operator) for _ in range(3)]
    today = timezone.localdate()
    sign_in(client, coordinator)

    def add(count):
        for i in range(count):
            measure = measures[i % 3]
            alert(measure, "exit", today - timedelta(days=i))
            alert(measure, "review_overdue", today - timedelta(days=i))

    add(2)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("alerts:list"))
    Alert.objects.all().delete()
    add(25)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("alerts:list"))
    assert sum(len(g.rows) for g in response.context["groups"]) == 50


def test_the_count_for_the_menu_is_one_query(coordinator, operator, django_assert_num_queries):
    measure = active_measure(coordinator, operator)
    alert(measure, "exit", timezone.localdate())
    open_count(coordinator)  # the actor (grants) is read once per request and cached
    with django_assert_num_queries(2):  # the approver kinds of the user's organisations, the count
        assert open_count(coordinator) == 1

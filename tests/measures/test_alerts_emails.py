"""E-mails of alerts: to the right people, at once for exits, once each, without names or free text."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone

from lda.access.policy import actor_for
from lda.accounts.roles import Role
from lda.measures import notify, services
from lda.measures.models import Alert
from lda.measures.services import EndData
from lda.tasks import queue
from lda.tasks.models import Status, Task
from tests.factories import user_with_role
from tests.households.helpers import author_of, verified
from tests.measures.helpers import active_measure, chef_slisl, open_measure


@pytest.fixture
def coordinator(users):
    return verified(users["coordinator"])


@pytest.fixture
def operator(users):
    return users["social_worker"]


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://lda.exemple.fr"


def sending_tasks(status=Status.QUEUED):
    return Task.objects.filter(kind=notify.SEND, status=status)


def test_a_rupture_reaches_the_coordinator_at_once_without_names(
    coordinator, operator, users, django_capture_on_commit_callbacks
):
    measure = active_measure(coordinator, operator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.end(measure, EndData(timezone.localdate(), "rupture"), author_of(operator), measure.version)
    # The commit queued the sending task: the worker sends it as soon as it takes it.
    assert sending_tasks().count() == 1
    assert queue.run_pending() == 1
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    message = mail.outbox[0]
    assert "Sortie" in message.subject
    body = message.body
    household = measure.household
    assert household.reference in body
    assert "VIAL" in body
    assert f"https://lda.exemple.fr/mesures/{measure.pk}/" in body
    assert "https://lda.exemple.fr/alertes/" in body
    for person in household.persons.all():
        assert person.last_name not in body and person.first_name not in body
    for user in users.values():
        assert user.last_name not in body
    assert "&#x27;" not in body and "&amp;" not in body  # plain text, not HTML-escaped
    alert = Alert.objects.get(measure=measure, kind="exit")
    assert alert.emailed_at is not None
    # Nothing is sent twice.
    notify.schedule()
    queue.run_pending()
    assert len(mail.outbox) == 1


def test_an_abandonment_before_activation_reaches_the_coordinator(
    coordinator, operator, django_capture_on_commit_callbacks
):
    measure = open_measure(coordinator, operator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.abandon(measure, timezone.localdate(), "moved", author_of(operator), measure.version)
    queue.run_pending()
    assert [m.to for m in mail.outbox] == [[coordinator.email]]


def test_one_email_per_person_groups_their_alerts(coordinator, operator, django_capture_on_commit_callbacks):
    first = active_measure(coordinator, operator)
    second = active_measure(coordinator, operator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for measure in (first, second):
            services.end(measure, EndData(timezone.localdate(), "deceased"), author_of(operator), measure.version)
    assert sending_tasks().count() == 1  # at most one waiting
    queue.run_pending()
    assert len(mail.outbox) == 1
    assert "2 sorties" in mail.outbox[0].subject
    assert first.household.reference in mail.outbox[0].body
    assert second.household.reference in mail.outbox[0].body


def test_a_sent_contract_reaches_the_coordinators_of_the_territory_only(
    coordinator, operator, territory, other_territory, django_capture_on_commit_callbacks
):
    second = user_with_role(Role.COORDINATOR, territory)
    elsewhere = user_with_role(Role.COORDINATOR, other_territory)
    gone = user_with_role(Role.COORDINATOR, territory, is_active=False)
    measure = open_measure(coordinator, operator)
    today = timezone.localdate()
    measure = services.record_contract(measure, today, _pdf(), author_of(operator), measure.version)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.send(measure, today, author_of(operator), measure.version)
    queue.run_pending()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, second.email])
    assert elsewhere.email not in {m.to[0] for m in mail.outbox}
    assert gone.email not in {m.to[0] for m in mail.outbox}


def _pdf():
    from tests.measures.helpers import PDF

    return PDF


def _renew(measure, operator, coordinator, months=6, derogation=False, approve=True, days_ago=0):
    requested_on = timezone.localdate() - timedelta(days=days_ago)
    request = services.request_renewal(measure, months, derogation, requested_on, author_of(operator), measure.version)
    if approve:
        services.decide_renewal(request, "coordinator", True, author_of(coordinator), actor_for(coordinator))
        measure.refresh_from_db()
    return request


def test_an_ordinary_renewal_asks_the_coordinator_only(
    coordinator, operator, territory, django_capture_on_commit_callbacks
):
    chef = chef_slisl(territory)
    measure = active_measure(coordinator, operator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _renew(measure, operator, coordinator, approve=False)
    queue.run_pending()
    assert set(Alert.objects.filter(kind="renewal_waiting").values_list("approver", flat=True)) == {"coordinator"}
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert chef.email not in {m.to[0] for m in mail.outbox}
    assert "accord attendu au titre de : Coordination" in mail.outbox[0].body


def test_a_derogation_asks_the_coordinator_and_the_chef_slisl(
    coordinator, operator, territory, django_capture_on_commit_callbacks
):
    chef = chef_slisl(territory)
    measure = active_measure(coordinator, operator)
    _renew(measure, operator, coordinator, days_ago=20)
    _renew(measure, operator, coordinator, days_ago=10)  # the 12 months of ordinary renewals are used
    Alert.objects.update(emailed_at=timezone.now())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _renew(measure, operator, coordinator, derogation=True, approve=False)
    queue.run_pending()
    waiting = Alert.objects.filter(kind="renewal_waiting", closed_at__isnull=True)
    assert set(waiting.values_list("approver", flat=True)) == {"coordinator", "chef_slisl"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, chef.email])
    # The operator's social worker (an association, not the Département) is no chef SLISL.
    assert operator.email not in {m.to[0] for m in mail.outbox}


def test_operator_alerts_go_to_the_social_workers_of_the_operator(coordinator, operator, territory):
    measure = active_measure(coordinator, operator)
    colleague = user_with_role(Role.SOCIAL_WORKER, territory, organisation=measure.operator)
    user_with_role(Role.SOCIAL_WORKER, territory)  # another association
    Alert.objects.update(emailed_at=timezone.now())
    Alert.objects.create(
        territory=territory, measure=measure, kind="review_due", due_on=timezone.localdate(), audience="operator"
    )
    mail.outbox.clear()
    notify.send_pending()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([operator.email, colleague.email])


def test_at_most_one_sending_task_waits(db):
    first = notify.schedule()
    assert first is not None
    assert notify.schedule() is None
    assert sending_tasks().count() == 1
    # Once it runs, a new alert queues another one (the running one may have read its alerts already).
    Task.objects.filter(pk=first.pk).update(status=Status.RUNNING)
    assert notify.schedule() is not None


def test_an_alert_is_marked_emailed_only_after_its_emails_went_out(coordinator, operator, monkeypatch):
    measure = active_measure(coordinator, operator)
    Alert.objects.update(emailed_at=timezone.now())
    alert = Alert.objects.create(
        territory_id=measure.territory_id,
        measure=measure,
        kind="review_overdue",
        due_on=timezone.localdate() - timedelta(days=2),
        audience="operator",
    )
    send = EmailMessage.send

    def broken(self, *args, **kwargs):
        raise OSError("SMTP indisponible")

    monkeypatch.setattr(EmailMessage, "send", broken)
    task = notify.schedule()
    queue.run_pending()
    task.refresh_from_db()
    assert task.status == Status.FAILED
    assert "retentés" in task.error
    alert.refresh_from_db()
    assert alert.emailed_at is None
    monkeypatch.setattr(EmailMessage, "send", send)
    mail.outbox.clear()
    notify.schedule()
    queue.run_pending()
    alert.refresh_from_db()
    assert alert.emailed_at is not None
    assert len(mail.outbox) == 1


def test_closed_alerts_are_not_emailed(coordinator, operator):
    active_measure(coordinator, operator)
    Alert.objects.update(closed_at=timezone.now())
    mail.outbox.clear()
    assert notify.send_pending()["alerts"] == 0
    assert mail.outbox == []


def test_sending_reads_a_bounded_number_of_queries(coordinator, operator, territory, django_assert_max_num_queries):
    measure = active_measure(coordinator, operator)
    today = timezone.localdate()
    Alert.objects.update(emailed_at=timezone.now())
    for i in range(30):
        Alert.objects.create(
            territory=territory, measure=measure, kind="exit", due_on=today - timedelta(days=i), audience="coordinator"
        )
        Alert.objects.create(
            territory=territory,
            measure=measure,
            kind="review_due",
            due_on=today + timedelta(days=i),
            audience="operator",
        )
    mail.outbox.clear()
    with django_assert_max_num_queries(6):
        result = notify.send_pending()
    assert result == {"alerts": 60, "emails": 2, "failed": 0, "without_recipient": 0}


def test_a_mail_server_down_leaves_every_alert_to_send_again(coordinator, operator, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    measure = active_measure(coordinator, operator)
    Alert.objects.update(emailed_at=timezone.now())
    alert = Alert.objects.create(
        territory_id=measure.territory_id,
        measure=measure,
        kind="exit",
        due_on=timezone.localdate(),
        audience="coordinator",
    )

    def down(self):
        raise ConnectionRefusedError("serveur SMTP arrêté")

    monkeypatch.setattr(EmailBackend, "open", down, raising=False)
    assert notify.send_pending()["failed"] == 1
    alert.refresh_from_db()
    assert alert.emailed_at is None

"""The daily job and the command: what counts as a contact, the warning (in the app and by e-mail),
the dry run, the legal hold, French errors."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from lda.households import services as household_services
from lda.households.models import Household, Person
from lda.measures import services as measure_services
from lda.measures.services import MeetingData
from lda.retention import facts, job, services
from lda.retention.models import Anonymisation, LegalHold, RetentionNotice
from lda.retention.rules import State
from lda.tasks.registry import daily_kinds, handler_for
from tests.clock import reference_today
from tests.households.helpers import author_of, make_household, verified
from tests.measures.helpers import active_measure

pytestmark = pytest.mark.django_db
TODAY = reference_today()
OLD = TODAY - timedelta(days=800)  # more than two years ago


def _at(day):
    return timezone.make_aware(datetime.combine(day, time(10)))


def old_household(users, on=OLD, **kwargs):
    with time_machine.travel(_at(on), tick=False):
        household = make_household(users["referent"], received_on=on, **kwargs)
    Household.objects.filter(pk=household.pk).update(referent=users["referent"])
    return household


def state_of(household, today=TODAY):
    return next(c for c in facts.candidates(household.territory_id, today) if c.household_id == household.pk)


def test_last_contact_is_the_latest_event_meeting_or_recorded_contact(users, territory):
    household = old_household(users)
    assert state_of(household).last_contact_on == OLD
    # A contact recorded by the referent counts (it also writes an event).
    household_services.record_contact(household, author_of(users["referent"]), OLD + timedelta(days=10))
    assert state_of(household).last_contact_on == OLD + timedelta(days=10)
    # A measure's transitions and meetings count too.
    with time_machine.travel(_at(OLD + timedelta(days=40)), tick=False):
        measure = active_measure(
            verified(users["coordinator"]),
            users["social_worker"],
            household=household,
            activated_on=OLD + timedelta(days=30),
        )
    assert state_of(household).last_contact_on == OLD + timedelta(days=30)
    measure_services.record_meeting(
        measure, MeetingData(OLD + timedelta(days=45), "phone", 20), author_of(users["social_worker"])
    )
    assert state_of(household).last_contact_on == OLD + timedelta(days=45)


def test_dry_run_by_default_changes_nothing_and_says_so_in_french(users, territory):
    household = old_household(users)
    out = StringIO()
    call_command("apply_retention", stdout=out)
    text = out.getvalue()
    assert "Simulation" in text and household.reference in text and "à avertir" in text
    assert not RetentionNotice.objects.exists() and not mail.outbox
    assert "Martin" not in text  # no name


def test_bad_date_is_a_french_error():
    with pytest.raises(CommandError, match="Date invalide : « 2026-13-01 » \\(attendu : AAAA-MM-JJ\\)"):
        call_command("apply_retention", "--date", "2026-13-01", stdout=StringIO())


def test_apply_warns_once_in_the_app_and_by_email_then_purges_after_the_grace(users, territory):
    household = old_household(users)
    call_command("apply_retention", "--apply", stdout=StringIO())
    notice = RetentionNotice.objects.get(household=household)
    assert (notice.warned_on, notice.purge_on) == (TODAY, TODAY + timedelta(days=30))
    assert [m.to for m in mail.outbox] == [[users["referent"].email]]
    body = mail.outbox[0].body
    assert household.reference in body and "Martin" not in body and "Léa" not in body
    call_command("apply_retention", "--apply", stdout=StringIO())  # a second run: nothing twice
    assert RetentionNotice.objects.count() == 1 and len(mail.outbox) == 1
    later = (TODAY + timedelta(days=30)).isoformat()
    out = StringIO()
    call_command("apply_retention", "--date", later, stdout=out)
    assert "à anonymiser" in out.getvalue() and not Anonymisation.objects.exists()  # still a dry run
    call_command("apply_retention", "--apply", "--date", later, stdout=StringIO())
    assert Anonymisation.objects.filter(household=household).exists()
    assert not Person.objects.filter(household=household, last_name="Martin").exists()


def test_a_contact_after_the_warning_starts_the_count_again(users, territory):
    household = old_household(users)
    job.run(TODAY, apply=True)
    household_services.record_contact(household, author_of(users["referent"]), TODAY)
    assert state_of(household, TODAY + timedelta(days=40)).decision.state == State.KEPT
    job.run(TODAY + timedelta(days=40), apply=True)
    assert not Anonymisation.objects.exists()


def test_a_legal_hold_suspends_until_lifted(users, territory):
    household = old_household(users)
    job.run(TODAY, apply=True)
    coordinator = users["coordinator"]
    hold = services.place_hold(territory.pk, household.reference, "Procédure prud'homale en cours", coordinator)
    assert job.run(TODAY + timedelta(days=60), apply=True).held == 1
    assert not Anonymisation.objects.exists()
    services.lift_hold(hold, "Procédure close", coordinator)
    hold.refresh_from_db()
    assert hold.lifted_by == coordinator and hold.lifted_at is not None
    assert job.run(TODAY + timedelta(days=60), apply=True).purged == [household.pk]


def test_hold_errors_are_french_and_nothing_is_saved(users, territory, other_territory):
    household = old_household(users)
    coordinator = users["coordinator"]
    cases = [
        ("", "motif", "reference", "Indiquez la référence du dossier."),
        ("INCONNU", "motif", "reference", "Aucun dossier de ce territoire ne porte cette référence."),
        (household.reference, "   ", "reason", "Indiquez le motif du gel"),
        (household.reference, "NIR 285041305512345", "reason", "sécurité sociale"),
    ]
    for reference, reason, field, message in cases:
        with pytest.raises(ValidationError) as error:
            services.place_hold(territory.pk, reference, reason, coordinator)
        assert message in error.value.message_dict[field][0]
    with pytest.raises(ValidationError):  # another territory's household is not found
        services.place_hold(other_territory.pk, household.reference, "motif", coordinator)
    assert not LegalHold.objects.exists()
    hold = services.place_hold(territory.pk, household.reference, "motif", coordinator)
    with pytest.raises(ValidationError, match="déjà sous gel"):
        services.place_hold(territory.pk, household.reference, "motif", coordinator)
    with pytest.raises(ValidationError, match="motif de la levée"):
        services.lift_hold(hold, "", coordinator)
    hold.refresh_from_db()
    assert hold.lifted_at is None


def test_the_job_is_registered_as_daily():
    assert "retention.daily" in {d.kind for d in daily_kinds()}
    assert handler_for("retention.daily").label.startswith("Conservation")


def test_old_task_files_and_results_are_blanked(users, territory):
    from lda.tasks.models import Task

    old = Task.objects.create(
        kind="households.import",
        territory=territory,
        input_name="liste QXJZW.csv",
        input_file=b"QXJZW;Lea",
        result={"check": {"problems": [{"message": "QXJZW"}]}},
        created_at=_at(TODAY - timedelta(days=800)),
    )
    recent = Task.objects.create(kind="households.import", territory=territory, result={"n": 1})
    assert job.run(TODAY, apply=True).tasks == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.input_name, old.input_file, old.result, old.payload) == ("", None, None, {})
    assert recent.result == {"n": 1}
    assert job.run(TODAY, apply=True).tasks == 0
    assert job.run(TODAY, apply=False).tasks == 0  # and a dry run touches nothing


def test_a_territorys_own_durations_apply(users, territory):
    from lda.retention.models import RetentionRules

    household = old_household(users, on=TODAY - timedelta(days=400))  # 13 months
    assert state_of(household).decision.state == State.KEPT
    RetentionRules.objects.create(territory=territory, months=12, warning_months=11, grace_days=15)
    decision = state_of(household).decision
    assert decision.state == State.WARN and decision.purge_on == TODAY + timedelta(days=15)


def test_without_a_referent_the_organisations_referents_are_warned(users, territory):
    from tests.households.helpers import organisation_of

    household = old_household(users)
    Household.objects.filter(pk=household.pk).update(
        referent=None, referent_organisation=organisation_of(users["referent"])
    )
    job.run(TODAY, apply=True)
    assert [m.to for m in mail.outbox] == [[users["referent"].email]]
    assert RetentionNotice.objects.get().emailed_at is not None


def test_the_daily_task_applies(users, territory):
    from lda.tasks.models import Task

    household = old_household(users)
    task = Task.objects.create(kind="retention.daily")
    result = handler_for("retention.daily").function(task, lambda *args: None)
    assert result["warned"] == 1 and result["applied"] is True
    assert RetentionNotice.objects.filter(household=household).exists()


def test_an_anonymised_file_still_opens_without_a_name(users, territory, client_for):
    from django.urls import reverse

    household = old_household(users)
    job.run(TODAY, apply=True)
    job.run(TODAY + timedelta(days=30), apply=True)
    client = client_for("coordinator")
    page = client.get(reverse("households:detail", args=[household.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"ANON-{household.pk}" in html and "Léa" not in html
    listing = client.get(reverse("households:list")).content.decode()
    assert "Léa" not in listing

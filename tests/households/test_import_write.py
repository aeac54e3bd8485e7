"""The import itself: one transaction, the same rows and events as the services, one audit record."""

import pytest

from lda.accounts.roles import Role
from lda.audit.models import AccessLog
from lda.households import importer
from lda.households.models import (
    Episode,
    EventKind,
    Household,
    HouseholdEvent,
    LivingSituation,
    Orientation,
    Person,
    Referral,
)
from lda.households.normalise import name_key
from lda.households.task_handlers import IMPORT, VALID_ONLY
from lda.tasks import queue
from lda.tasks.models import Status
from tests.households.helpers import make_household, organisation_of
from tests.households.import_helpers import as_csv, as_xlsx, row


def start(user, content, mode="all"):
    membership = user.memberships.select_related("organisation").get()
    task = queue.enqueue(
        IMPORT,
        {"organisation_id": membership.organisation_id, "role": membership.role},
        user=user,
        territory=membership.organisation.territory,
        input_file=content,
        input_name="menages.csv",
        held=True,
    )
    queue.release(task, mode=mode)
    queue.run_pending()
    task.refresh_from_db()
    return task


FULL = [
    row(
        Date_d_entrée_sur_la_liste="05/01/2026",
        Mesure="VIAL",
        Date_de_sortie="10/03/2026",
        Motif_de_sortie="logé",
        Logement_d_entrée="logement social",
        Situation_de_logement="hôtel 115",
        Publics_prioritaires="famille monoparentale",
        Numéro_unique="069123456789",
        Accord_de_partage="oui",
        Date_de_l_accord="03/01/2026",
        Partenaires_autorisés="association opératrice",
    ),
    row(Prénom="Tom", Date_de_naissance="2019", Place_dans_le_ménage="enfant", Sexe="H", Situation_de_logement=""),
    row(Référence_ménage="M2", Nom="Durand", Prénom="Ali", Situation_de_logement="CHRS", Depuis_le=""),
]
FULL[0]["Situation de logement"] = "Nuitée hôtelière (115)"


@pytest.fixture
def referent(users):
    return users[Role.REFERENT]


def test_an_import_writes_households_persons_situations_referrals_and_events(referent):
    task = start(referent, as_csv(FULL))
    assert task.status == Status.DONE, task.error
    assert task.input_file is None
    assert task.result["persons"] == 3
    created = Household.objects.order_by("reference")
    assert created.count() == 2
    first, second = created
    organisation = organisation_of(referent)
    assert first.created_by_organisation == organisation
    assert first.referent_organisation == organisation  # the importer is a SIAO
    assert first.status == "left" and second.status == "referred"
    assert first.current_episode.entered_list_on.isoformat() == "2026-01-05"
    assert (first.current_episode.exit_reason, first.current_episode.housed_in) == ("housed", "social")
    assert first.priority_publics == ["single_parent"] and first.consent_kinds == ["association"]
    assert first.current_ethos == 2 and second.current_ethos == 3
    assert [r[1] for r in task.result["households"]] == [first.reference, second.reference]
    lea = Person.objects.get(first_name="Léa", household=first)
    assert lea.is_head and lea.name_key == name_key("Martin", "Léa")
    assert Person.objects.get(first_name="Tom").birth_date_precision == "year"
    assert LivingSituation.objects.get(household=second).started_on.isoformat() == "2026-01-03"  # the referral's day
    assert Referral.objects.get(household=first).status == "decided"
    orientation = Orientation.objects.get(household=first)
    assert (orientation.measure, orientation.housing_search, orientation.delay_days) == ("vial", True, 2)
    kinds = list(HouseholdEvent.objects.filter(household=first).values_list("kind", flat=True))
    assert sorted(kinds) == sorted(
        [
            EventKind.HOUSEHOLD_CREATED,
            EventKind.REFERRAL_RECEIVED,
            EventKind.SITUATION_RECORDED,
            EventKind.ORIENTATION_DECIDED,
            EventKind.LIST_ENTERED,
            EventKind.LIST_LEFT,
        ]
    )
    left = HouseholdEvent.objects.get(household=first, kind=EventKind.LIST_LEFT)
    assert left.payload == {"reason": "housed", "housed_in": "social", "episode": 1}
    assert left.episode == first.current_episode and left.user == referent


def test_the_events_carry_the_same_payload_keys_as_the_services(referent):
    start(referent, as_csv(FULL))
    by_service = make_household(referent)
    imported = Household.objects.exclude(pk=by_service.pk).first()
    for kind in (EventKind.HOUSEHOLD_CREATED, EventKind.REFERRAL_RECEIVED, EventKind.SITUATION_RECORDED):
        service_event = HouseholdEvent.objects.get(household=by_service, kind=kind)
        imported_event = HouseholdEvent.objects.get(household=imported, kind=kind)
        assert set(service_event.payload) == set(imported_event.payload), kind


def test_one_audit_record_with_the_count_never_the_values(referent):
    before = AccessLog.objects.count()
    start(referent, as_csv(FULL))
    imports = AccessLog.objects.filter(object_type="household_import")
    assert imports.count() == 1
    assert imports.get().object_id == "2" and imports.get().user_id == referent.pk
    # No per-row audit flood: bulk inserts, plus the task's own create/updates.
    assert AccessLog.objects.count() - before < 10


def test_a_file_with_errors_imports_nothing_unless_asked(referent):
    content = as_csv([row(), row(Référence_ménage="M2", Nom="")])
    task = start(referent, content)
    assert task.status == Status.FAILED and "Rien n'a été importé" in task.error
    assert not Household.objects.exists()
    assert task.input_file is None


def test_importing_only_the_valid_households_leaves_the_broken_one_out_whole(referent):
    content = as_csv([row(), row(Référence_ménage="M2"), row(Référence_ménage="M2", Nom="")])
    task = start(referent, content, mode=VALID_ONLY)
    assert task.status == Status.DONE
    assert [r[2] for r in task.result["households"]] == ["M1"]
    assert task.result["check"]["excluded_lines"] == [3, 4]
    assert Person.objects.count() == 1


def test_a_failure_midway_rolls_everything_back(referent, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("panne au milieu")

    monkeypatch.setattr(HouseholdEvent.objects, "bulk_create", broken)
    task = start(referent, as_csv(FULL))
    assert task.status == Status.FAILED and task.error == queue.INTERNAL_ERROR
    for model in (Household, Person, Episode, LivingSituation, Referral, Orientation):
        assert not model.objects.exists(), model
    assert not AccessLog.objects.filter(object_type="household_import").exists()


def test_xlsx_imports_too_and_references_follow_the_territory_sequence(referent):
    make_household(referent)
    task = start(referent, as_xlsx(FULL))
    assert task.status == Status.DONE
    references = sorted(Household.objects.values_list("reference", flat=True))
    assert len(set(references)) == 3
    assert references[-1].endswith("000003")


def test_a_non_siao_importer_is_the_creator_but_not_the_referent(users):
    coordinator = users[Role.COORDINATOR]
    task = start(coordinator, as_csv([row()]))
    assert task.status == Status.DONE
    household = Household.objects.get()
    assert household.created_by_organisation == organisation_of(coordinator)
    assert household.referent_organisation is None


def test_write_reports_progress_by_batch(referent, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)
    seen = []
    report = importer.check(as_csv([row(Référence_ménage=f"M{i}") for i in range(5)]))
    organisation = organisation_of(referent)
    importer.write(
        report.valid_households,
        territory=organisation.territory,
        organisation=organisation,
        user=referent,
        role=Role.REFERENT,
        progress=lambda done, total, label: seen.append((done, total)),
    )
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]

"""A household that went through everything, in the past, with a sentinel in its free text."""

from datetime import date
from decimal import Decimal

from django.core.cache import cache

from lda.households import services
from lda.households.merge_views import _pairs_key
from lda.households.models import MergeRecord
from lda.households.services import PersonData
from lda.housing import proposals
from lda.housing import services as housing_services
from lda.measures import services as measure_services
from lda.measures.services import EndData, MeetingData, OutcomeData, ReviewData
from lda.retention import services as retention_services
from tests.households.helpers import author_of, make_household, organisation_of, orient, verified
from tests.housing.helpers import landlord_user, make_unit
from tests.measures.helpers import active_measure

SENTINEL = "QXJZW"
RECEIVED = date(2024, 1, 10)
DECIDED = date(2024, 1, 20)
ACTIVATED = date(2024, 2, 15)
MEETING = date(2024, 3, 5)
REVIEW = date(2024, 5, 14)
ENDED = date(2024, 6, 28)
HOUSED = date(2024, 7, 9)  # the last contact


def full_household(users, territory, mark=SENTINEL, received_on=RECEIVED):
    last_name = mark + "Nom"
    coordinator, worker, referent = verified(users["coordinator"]), users["social_worker"], users["referent"]
    household = make_household(
        referent,
        last_name=last_name,
        first_name=mark + "Prénom",
        received_on=received_on,
        summary=f"Motif {mark} saisine",
        consent_kinds=("association",),
        persons=[
            PersonData(last_name, mark + "Prénom", birth_date=date(1985, 4, 23), sex="F", is_head=True),
            PersonData(last_name, mark + "Enfant", birth_date=date(2015, 12, 29), sex="M", role="child"),
        ],
    )
    orient(coordinator, household, on=DECIDED, comment=f"Commentaire {mark}")
    household.refresh_from_db()
    author = author_of(coordinator)
    services.update_household(
        household,
        author,
        household.version,
        notes=f"Notes {mark}",
        whereabouts=f"Chez {mark}",
        sne_number="SNE" + mark,
        accepted_communes=["38185"],
    )
    household.refresh_from_db()
    services.record_resource(household, author, "rsa", Decimal(900), None)
    services.record_resource(household, author, "housing_benefit", Decimal(250), None)
    measure = active_measure(coordinator, worker, activated_on=ACTIVATED, household=household)
    worker_author = author_of(worker)
    measure_services.record_meeting(measure, MeetingData(MEETING, "home_visit", 60), worker_author)
    measure.refresh_from_db()
    measure_services.record_review(
        measure, ReviewData(3, REVIEW, 1, 1, obstacles=f"Freins {mark}"), worker_author, measure.version
    )
    measure.refresh_from_db()
    measure_services.mobilise_partner(measure, "csapa", MEETING, worker_author, name="CSAPA du Drac")
    measure.refresh_from_db()
    measure_services.end(
        measure,
        EndData(ENDED, "goals_met", follow_on="ccas", follow_on_name=f"CCAS {mark}", outcomes=[OutcomeData("housed")]),
        worker_author,
        measure.version,
    )
    housing_services.install_defaults(territory)
    unit = make_unit(
        territory, organisation_of(landlord_user(territory)), on=date(2024, 3, 1), reference=f"LGT-{household.pk}"
    )
    household.refresh_from_db()
    proposals.add_candidate(unit, household, author, justification=f"Justification {mark}")
    household.refresh_from_db()
    services.leave_list(household, author, HOUSED, "housed", "social")
    MergeRecord.objects.create(
        territory=territory,
        kind="household",
        kept_id=household.pk,
        merged_id=household.pk + 1000,
        moved={"persons": [{"last_name": mark}]},
        performed_by=coordinator,
    )
    hold = retention_services.place_hold(territory.pk, household.reference, f"Procédure {mark}", coordinator)
    retention_services.lift_hold(hold, f"Fin {mark}", coordinator)
    cache.set(_pairs_key(territory.pk), [(household.pk, mark)])
    household.refresh_from_db()
    return household

"""Two coordinators allocating the same unit at the same moment, in real concurrent transactions
on PostgreSQL: one wins, the other gets a clear French message, and the database holds one
allocation. Two paths: with the unit's row lock (the normal one), and without it (the unique
constraint alone must still hold)."""

import threading

import pytest
from django.db import connection, connections

from lda.accounts.roles import Role
from lda.housing import codes, proposals, services
from lda.housing.models import Proposal
from tests.factories import user_with_role
from tests.housing.helpers import author_of, household_on_list, landlord_user, make_unit, organisation_of

P = codes.ProposalStatus
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="transactions concurrentes réelles : PostgreSQL"),
]


def _setup(territory):
    first_coordinator = user_with_role(Role.COORDINATOR, territory)
    second_coordinator = user_with_role(Role.COORDINATOR, territory)
    services.install_defaults(territory)
    landlord = landlord_user(territory)
    unit = make_unit(territory, organisation_of(landlord))
    a = household_on_list(first_coordinator)
    b = household_on_list(first_coordinator, last_name="Bernard")
    c = author_of(first_coordinator)
    pa, pb = proposals.add_candidate(unit, a, c), proposals.add_candidate(unit, b, c)
    proposals.send_shortlist(unit, c)
    return (first_coordinator, pa), (second_coordinator, pb), unit


def _race(pairs):
    """Each coordinator allocates its candidate at rank 1, in its own thread and connection."""
    barrier = threading.Barrier(len(pairs))
    outcomes = [None] * len(pairs)

    def work(index, user, proposal):
        try:
            barrier.wait()
            proposals.decide(proposal, author_of(user), P.ALLOCATED, committee_rank=1)
            outcomes[index] = "ok"
        except proposals.UnitTaken as exc:
            outcomes[index] = str(exc)
        except Exception as exc:  # noqa: BLE001 — any other error is a failure of the test
            outcomes[index] = f"ERREUR {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, u, p)) for i, (u, p) in enumerate(pairs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def _check(outcomes, unit):
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert "Ce logement est déjà attribué au ménage" in loser or "vient d'être attribué" in loser, loser
    held = Proposal.objects.filter(unit=unit, status=P.ALLOCATED, committee_rank=1)
    assert held.count() == 1
    unit.refresh_from_db()
    assert unit.status == codes.UnitStatus.ALLOCATED


@pytest.mark.parametrize("attempt", range(3))
def test_two_coordinators_allocating_the_same_unit_one_wins(territory, attempt):
    first, second, unit = _setup(territory)
    _check(_race([first, second]), unit)


def test_without_the_row_lock_the_database_constraint_still_holds(territory, monkeypatch):
    first, second, unit = _setup(territory)
    from lda.housing import services as housing_services
    from lda.housing.models import Unit

    def no_lock(unit, expected_version=None):
        return Unit.objects.select_related("residence", "contingent", "landlord").get(pk=unit.pk)

    monkeypatch.setattr(proposals, "lock_unit", no_lock)
    monkeypatch.setattr(housing_services, "lock_unit", no_lock)
    _check(_race([first, second]), unit)

"""Every proposal of a matching run made through Django (models → adapter → engine → proposals)
passes the independent verifier: hard constraints, at most 3 per unit, no household on two
shortlists, and no blocking pair across priority tiers."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from lda.accounts.roles import Role
from lda.households.services import PersonData
from lda.housing import adapter, codes, runs, services
from lda.housing.models import Proposal
from lda.tasks import queue
from tests.factories import user_with_role
from tests.housing import verifier
from tests.housing.helpers import (
    ECHIROLLES,
    GRENOBLE,
    SAINT_MARTIN,
    author_of,
    household_on_list,
    landlord_user,
    make_unit,
    organisation_of,
)

pytestmark = pytest.mark.django_db
COMMUNES = (GRENOBLE, ECHIROLLES, SAINT_MARTIN)


def test_a_django_run_passes_the_independent_verifier(territory):
    rng = random.Random(5)
    coordinator = user_with_role(Role.COORDINATOR, territory)
    services.install_defaults(territory)
    landlord = organisation_of(landlord_user(territory))
    for n in range(24):
        adults, children = rng.choice([(1, 0), (1, 0), (2, 0), (1, 1), (1, 2), (2, 2), (2, 3)])
        persons = [PersonData(f"Nom{n}", "Alex", birth_date=date(1980, 1, 1), sex=rng.choice("FM"), is_head=True)]
        persons += [
            PersonData(f"Nom{n}", "Sam", birth_date=date(1982, 1, 1), sex="M", role="adult") for _ in range(adults - 1)
        ]
        persons += [
            PersonData(f"Nom{n}", "Léo", birth_date=date(2018, 1, 1), sex="F", role="child") for _ in range(children)
        ]
        household_on_list(
            coordinator,
            persons=persons,
            resources=rng.choice([550, 700, 900, 1300, 1800]),
            benefit=rng.choice([0, 150, 300]),
            communes=tuple(rng.sample(COMMUNES, rng.randint(1, 3))),
            dalo=rng.random() < 0.25,
        )
    for n in range(10):
        typology = rng.randint(1, 4)
        make_unit(
            territory,
            landlord,
            reference=f"V-{n}",
            typology=typology,
            surface=Decimal(18 + 14 * typology),
            commune_insee=rng.choice(COMMUNES),
            rent=Decimal(rng.choice([250, 330, 420, 560])),
            charges=Decimal(rng.choice([30, 60, 90])),
        )
    today = timezone.localdate()
    households = {h.id: h for h in adapter.engine_households(territory.pk, today)}
    units = {u.pk: adapter.engine_unit(u) for u in adapter.available_units(territory.pk)}
    run = runs.launch(territory, author_of(coordinator))
    queue.run_task(run.task, live=False)
    run.refresh_from_db()
    assert run.state == codes.RunStatus.DONE
    shortlists = {}
    for p in Proposal.objects.filter(run=run).order_by("unit_id", "rank"):
        shortlists.setdefault(p.unit_id, []).append(p.household_id)
    assert sum(len(v) for v in shortlists.values()) >= 8, "the instance should place several households"
    config = adapter.engine_thresholds(run.rules)
    assert verifier.violations(households, units, shortlists, config) == []
    tier = {"dalo": 0, "prioritaire": 1, "autre": 2}
    assert verifier.blocking_pairs(households, units, shortlists, config, lambda h: tier[h.priority]) == []

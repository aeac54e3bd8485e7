"""Benchmark of the figures of the by-name list (`figures_for_territory`) on a large territory.

Run (PostgreSQL at 127.0.0.1:5432, trust auth; the database is created and migrated if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lda_bench .venv/bin/python bench/figures.py --households 100000

It builds its own synthetic territory of N households with plausible pathways (referral,
situations, decision, list entry, exit — housed or not —, some returns, contacts), written with
`bulk_create` (no services, for speed) but with the events and payloads the services write:
about 6 events per household, so ~600 000 events at 100 000 households. A territory already built
with the same size is reused (pass --fresh to build another). Then it times
`figures_for_territory` for the last full calendar year, best and median of 5 runs, and prints the
table.

Target: under 2 s at 100 000 households (~600 000 events) on PostgreSQL.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lda.settings")

import database  # noqa: E402  (bench/database.py, beside this script)

SEED = 20261122
FIRST_DAY = date(2019, 1, 1)
TODAY = date(2026, 11, 1)
BATCH = 5000


def weighted(rnd, table):
    return rnd.choices([code for code, _ in table], weights=[w for _, w in table])[0]


SITUATIONS = [
    ("street", 30),
    ("hotel_115", 12),
    ("emergency_shelter", 8),
    ("chrs", 12),
    ("family_friends", 22),
    ("squat", 4),
    ("prison", 3),
    ("child_welfare", 2),
    ("eviction_threat", 5),
    ("camp", 2),
]
HOMES = [("social", 55), ("iml", 25), ("private", 8), ("pension_famille", 7), ("supported", 3), ("plai_adapted", 2)]
EXITS = [("housed", 65), ("lost_contact", 15), ("moved_away", 8), ("deceased", 2), ("declined", 10)]
DECISIONS = [("oriented", 75), ("commission", 10), ("reoriented", 10), ("closed", 5)]
REFERRERS = ["siao", "ccas", "association", "outreach", "ccapex", "spip", "ase", "hospital", "self"]


def at(day: date, rnd) -> datetime:
    """Recorded a little after it happened, as a social worker would."""
    return datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(minutes=rnd.randrange(60 * 24 * 3))


def build(territory_name: str, households: int) -> int:
    """Creates the territory, its organisation, households, episodes and events; returns the territory id."""
    from django.db import connection, transaction

    from lda.accounts.models import Organisation, Territory
    from lda.households import ethos
    from lda.households.models import Episode, Household, HouseholdEvent

    rnd = random.Random(SEED)
    started = time.perf_counter()
    with transaction.atomic():
        territory = Territory.objects.create(name=territory_name, departement_code="13", epci_codes=[])
        organisation = Organisation.objects.create(
            territory=territory, name="Plateforme (banc d'essai)", kind="platform", siret="73282932000074"
        )
        span = (TODAY - FIRST_DAY).days
        received = [FIRST_DAY + timedelta(days=rnd.randrange(span)) for _ in range(households)]
        rows = Household.objects.bulk_create(
            [
                Household(
                    territory=territory,
                    reference=f"B-{n:08d}",
                    status="on_list",
                    created_by_organisation=organisation,
                    referent_organisation=organisation,
                )
                for n in range(households)
            ],
            batch_size=BATCH,
        )
        episodes = Episode.objects.bulk_create(
            [Episode(household=h, number=1, opened_on=day) for h, day in zip(rows, received, strict=True)],
            batch_size=BATCH,
        )
        events, returns = [], []

        def emit(household, episode, kind, day, payload=None, sensitive=""):
            events.append(
                HouseholdEvent(
                    territory=territory,
                    household_id=household.pk,
                    episode_id=episode.pk,
                    kind=kind,
                    occurred_on=day,
                    recorded_at=at(day, rnd),
                    organisation=organisation,
                    payload=payload or {},
                    sensitive=sensitive,
                )
            )

        for household, episode, day in zip(rows, episodes, received, strict=True):
            emit(household, episode, "household_created", day, {"persons": rnd.randint(1, 5)})
            emit(household, episode, "referral_received", day, {"referral": 0, "referrer_kind": rnd.choice(REFERRERS)})
            kind = weighted(rnd, SITUATIONS)
            emit(household, episode, "situation_recorded", day, {"kind": kind, "ethos": ethos.ethos_of(kind)})
            delay = rnd.randint(0, 60)
            decided = day + timedelta(days=delay)
            if decided > TODAY:
                continue
            decision = weighted(rnd, DECISIONS)
            reason = "" if decision in ("oriented", "commission") else "other_service"
            emit(
                household,
                episode,
                "orientation_decided",
                decided,
                {
                    "orientation": 0,
                    "decision": decision,
                    "measure": "vial" if decision == "oriented" else "",
                    "housing_search": decision == "oriented",
                    "reason": reason,
                    "delay_days": delay,
                },
            )
            for _ in range(rnd.randint(0, 2)):
                contact = decided + timedelta(days=rnd.randint(1, 200))
                if contact <= TODAY:
                    emit(household, episode, "contact_recorded", contact)
            if decision != "oriented":
                continue
            emit(household, episode, "list_entered", decided, {"episode": 1})
            left = decided + timedelta(days=int(rnd.lognormvariate(5.1, 0.6)))
            if rnd.random() < 0.3:  # a change of situation while waiting
                moved = decided + timedelta(days=rnd.randint(1, max(1, (left - decided).days)))
                if moved <= TODAY:
                    kind = weighted(rnd, SITUATIONS)
                    emit(household, episode, "situation_recorded", moved, {"kind": kind, "ethos": ethos.ethos_of(kind)})
            if left > TODAY or rnd.random() < 0.2:
                continue
            reason = weighted(rnd, EXITS)
            home = weighted(rnd, HOMES) if reason == "housed" else ""
            emit(household, episode, "list_left", left, {"reason": reason, "housed_in": home, "episode": 1})
            back = left + timedelta(days=rnd.randint(30, 400))
            if reason != "housed" and back <= TODAY and rnd.random() < 0.25:
                returns.append((household, episode, back))
        if returns:
            second = Episode.objects.bulk_create(
                [Episode(household=h, number=2, opened_on=day, previous=e) for h, e, day in returns], batch_size=BATCH
            )
            for (household, _episode, day), episode in zip(returns, second, strict=True):
                emit(household, episode, "list_returned", day, {"episode": 2, "previous": 1})
                emit(household, episode, "referral_received", day, {"referral": 0, "referrer_kind": "siao"})
        HouseholdEvent.objects.bulk_create(events, batch_size=BATCH)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {HouseholdEvent._meta.db_table}")
            cursor.execute(f"ANALYZE {Household._meta.db_table}")
    print(
        f"Territoire construit : {households} ménages, {len(events)} événements, {time.perf_counter() - started:.0f} s."
    )
    return territory.pk


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="construire un nouveau territoire même s'il en existe un")
    args = parser.parse_args()

    database.prepare()

    from django.db import connection

    from lda.accounts.models import Territory
    from lda.households import figures
    from lda.households.figures_data import figures_for_territory
    from lda.households.models import Household, HouseholdEvent

    name = f"Banc d'essai chiffres — {args.households} ménages"
    territory = Territory.objects.filter(name__startswith=name).order_by("-pk").first()
    if territory is None or args.fresh or Household.objects.filter(territory=territory).count() != args.households:
        suffix = "" if territory is None else f" ({datetime.now(UTC):%Y%m%d-%H%M%S})"
        territory_id = build(name + suffix, args.households)
    else:
        territory_id = territory.pk
        print(f"Territoire réutilisé : {territory.name}.")
    events = HouseholdEvent.objects.filter(territory_id=territory_id).count()
    print(f"Base : {connection.vendor}, {args.households} ménages, {events} événements.")

    year = TODAY.year - 1
    start, end = date(year, 1, 1), date(year, 12, 31)
    timings = []
    for _ in range(args.runs):
        began = time.perf_counter()
        table = figures_for_territory(territory_id, start, end)
        timings.append(time.perf_counter() - began)
    best, median = min(timings), statistics.median(timings)
    print(f"figures_for_territory({start} → {end}) : meilleur {best:.3f} s, médian {median:.3f} s sur {args.runs}.")
    began = time.perf_counter()
    figures_for_territory(territory_id, start, end, as_of=datetime(year + 1, 3, 1, tzinfo=UTC))
    print(f"avec « état au » : {time.perf_counter() - began:.3f} s.")
    print(f"Objectif : < 2 s à 100 000 ménages — {'atteint' if median < 2 else 'NON atteint'}.")
    print()
    for section in figures.sections(table):
        print(section.title)
        for row in section.rows:
            indent = "    " if row.detail else "  "
            share = f"  ({row.share})" if row.share else ""
            print(f"{indent}{row.label} : {row.value}{share}")
    return 0 if median < 2 or args.households < 100_000 else 1


if __name__ == "__main__":
    sys.exit(main())

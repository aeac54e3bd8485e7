"""Benchmark of duplicate detection (`possible_duplicates`, `duplicate_pairs`) on a large territory.

Run (PostgreSQL at 127.0.0.1:5432, trust auth; the database is created and migrated if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lda_bench .venv/bin/python bench/linkage.py --persons 100000

It builds a territory of N synthetic persons (French names drawn by `lda/demo/names.py`, birth
dates with realistic precisions, 1 to 3 persons per household) written with `bulk_create`, and
injects near-duplicates of some of them in other households: case and accents, names swapped,
a typo, a compound name, a phonetic spelling, an alias, a date a day off, day and month swapped, a
date known only by its year. A territory already built with the same size is reused.

Then it measures:
- `possible_duplicates` for each injected variant (recall: the original is found; precision: share
  of the persons returned that are the original) and for persons who are not in the territory
  (false alarms), with the time per query (median, 95th percentile, maximum);
- `duplicate_pairs` over the whole territory: time, recall of the injected pairs, precision.

Target: possible_duplicates under 100 ms per query at 100 000 persons on PostgreSQL.
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
BATCH = 5000
PRECISIONS = (("day", 85), ("month", 5), ("year", 7), ("approximate", 3))
VARIANTS = ("case", "swap", "typo", "compound", "phonetic", "alias", "day_off", "day_month", "year_only")
ACCENTS = str.maketrans("eEaAcCiIoOuU", "éÉàÀçÇïÏôÔùÙ")


def random_person(rnd):
    from lda.demo.names import person_name

    year = rnd.randint(1945, 2020)
    name = person_name(rnd, birth_year=year)
    precision = rnd.choices([p for p, _ in PRECISIONS], weights=[w for _, w in PRECISIONS])[0]
    born = date(year, 1, 1) + timedelta(days=rnd.randrange(365))
    if precision == "month":
        born = born.replace(day=1)
    elif precision in ("year", "approximate"):
        born = date(year, 1, 1)
    return {"last_name": name.last_name, "first_name": name.first_name, "birth_date": born, "precision": precision}


def typo(rnd, word):
    if len(word) < 4:
        return word + word[-1]
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rnd.choice("aeioulnrst") + word[i + 1 :]


def phonetic_spelling(word):
    for old, new in (("ph", "f"), ("ll", "l"), ("mm", "m"), ("nn", "n"), ("ss", "s"), ("qu", "k"), ("y", "i")):
        if old in word:
            return word.replace(old, new, 1)
    for ending, other in (("t", "d"), ("d", "t"), ("s", ""), ("e", "")):
        if word.endswith(ending):
            return word[: -len(ending)] + other
    return word + "e"


def variant_of(rnd, person, kind):
    v = dict(person, aliases="")
    last, first = person["last_name"], person["first_name"]
    if kind == "case":
        v["last_name"], v["first_name"] = last.upper(), first.lower().translate(ACCENTS)
    elif kind == "swap":
        v["last_name"], v["first_name"] = first, last
    elif kind == "typo":
        if rnd.random() < 0.5:
            v["last_name"] = typo(rnd, last)
        else:
            v["first_name"] = typo(rnd, first)
    elif kind == "compound":
        v["first_name"] = first + "-" + rnd.choice(("Marie", "Claire", "Louis", "Anne"))
    elif kind == "phonetic":
        v["last_name"] = phonetic_spelling(last)
    elif kind == "alias":
        v["last_name"], v["aliases"] = rnd.choice(("Durand", "Moreau", "Girard")), last
    elif kind == "day_off" and person["precision"] == "day":
        v["birth_date"] = person["birth_date"] + timedelta(days=rnd.choice((-1, 1)))
    elif kind == "day_month" and person["precision"] == "day" and person["birth_date"].day <= 12:
        born = person["birth_date"]
        v["birth_date"] = born.replace(month=born.day, day=born.month)
    elif kind == "year_only":
        v["birth_date"], v["precision"] = date(person["birth_date"].year, 1, 1), "year"
    return v


def build(territory_name, persons, duplicates):
    from django.db import connection, transaction

    from lda.accounts.models import Organisation, Territory
    from lda.households.models import Household, Person
    from lda.households.normalise import name_key

    rnd = random.Random(SEED)
    started = time.perf_counter()
    people = [random_person(rnd) for _ in range(persons - duplicates)]
    originals = rnd.sample(range(len(people)), duplicates)
    variants = [(index, VARIANTS[n % len(VARIANTS)]) for n, index in enumerate(originals)]
    with transaction.atomic():
        territory = Territory.objects.create(name=territory_name, departement_code="13", epci_codes=[])
        organisation = Organisation.objects.create(
            territory=territory, name="Plateforme (banc d'essai)", kind="platform", siret="73282932000074"
        )
        sizes = []
        left = len(people)
        while left:
            size = min(left, rnd.choices((1, 2, 3), weights=(60, 25, 15))[0])
            sizes.append(size)
            left -= size
        households = Household.objects.bulk_create(
            [
                Household(territory=territory, reference=f"B-{n:07d}", created_by_organisation=organisation)
                for n in range(len(sizes) + len(variants))
            ],
            batch_size=BATCH,
        )
        owners = [h for h, size in zip(households, sizes, strict=False) for _ in range(size)]
        rows = [(owners[i], p, f"orig-{i}") for i, p in enumerate(people)]
        for n, (index, kind) in enumerate(variants):
            rows.append((households[len(sizes) + n], variant_of(rnd, people[index], kind), f"dup-{index}-{kind}"))
        Person.objects.bulk_create(
            [
                Person(
                    household=household,
                    last_name=p["last_name"],
                    first_name=p["first_name"],
                    aliases=p.get("aliases", ""),
                    birth_date=p["birth_date"],
                    birth_date_precision=p["precision"],
                    role="adult",
                    sex="U",
                    is_head=True,
                    name_key=name_key(p["last_name"], p["first_name"]),
                )
                for household, p, _ in rows
            ],
            batch_size=BATCH,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE households_person; ANALYZE households_household")
    print(f"Territoire construit en {time.perf_counter() - started:.1f} s : {len(rows)} personnes.")
    return territory.pk


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--duplicates", type=int, default=900, help="variants injected (a multiple of 9)")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    database.prepare()
    from django.db import connection

    from lda.accounts.models import Territory
    from lda.households import linkage
    from lda.households.models import Person
    from lda.households.services import PersonData

    name = f"Banc d'essai doublons — {args.persons} personnes, {args.duplicates} doublons"
    territory = Territory.objects.filter(name__startswith=name).order_by("-pk").first()
    if territory is None or Person.objects.filter(household__territory=territory).count() != args.persons:
        suffix = "" if territory is None else f" ({datetime.now(UTC):%Y%m%d-%H%M%S})"
        territory_id = build(name + suffix, args.persons, args.duplicates)
    else:
        territory_id = territory.pk
        print(f"Territoire réutilisé : {territory.name}.")
    print(f"Base : {connection.vendor}, {args.persons} personnes dont {args.duplicates} doublons injectés.")

    # Rebuild the ground truth from the generator (same seed): variant person → original person.
    persons = list(
        Person.objects.filter(household__territory_id=territory_id)
        .order_by("pk")
        .values_list("pk", "household_id", "last_name", "first_name", "aliases", "birth_date", "birth_date_precision")
    )
    originals_count = args.persons - args.duplicates
    rnd = random.Random(SEED)
    [random_person(rnd) for _ in range(originals_count)]
    originals = rnd.sample(range(originals_count), args.duplicates)
    truth = {persons[originals_count + n][0]: persons[index][0] for n, index in enumerate(originals)}
    kinds = {persons[originals_count + n][0]: VARIANTS[n % len(VARIANTS)] for n in range(args.duplicates)}

    sample = random.Random(1).sample(sorted(truth), min(args.queries, len(truth)))
    by_pk = {row[0]: row for row in persons}
    timings, found, returned, right = [], 0, 0, 0
    missed: dict[str, int] = {}
    for pk in sample:
        _, household_id, last, first, aliases, born, precision = by_pk[pk]
        asked = PersonData(last, first, birth_date=born, birth_date_precision=precision, aliases=aliases)
        began = time.perf_counter()
        matches = linkage.possible_duplicates(territory_id, [asked], exclude_household_id=household_id)
        timings.append(time.perf_counter() - began)
        ids = [m.person_id for m in matches]
        returned += len(ids)
        right += truth[pk] in ids
        if truth[pk] in ids:
            found += 1
        else:
            missed[kinds[pk]] = missed.get(kinds[pk], 0) + 1
    false_alarms = 0
    strangers = random.Random(2)
    for _ in range(args.queries):
        p = random_person(strangers)
        asked = PersonData(
            p["last_name"], p["first_name"], birth_date=p["birth_date"], birth_date_precision=p["precision"]
        )
        began = time.perf_counter()
        false_alarms += bool(linkage.possible_duplicates(territory_id, [asked]))
        timings.append(time.perf_counter() - began)
    ms = [t * 1000 for t in timings]
    print(
        f"possible_duplicates : {len(timings)} requêtes, médiane {statistics.median(ms):.1f} ms, "
        f"95e centile {percentile(ms, 0.95):.1f} ms, max {max(ms):.1f} ms."
    )
    print(
        f"  rappel {found}/{len(sample)} = {found / len(sample):.1%} ; précision {right}/{returned} = "
        f"{right / max(returned, 1):.1%} ; alertes pour des inconnus {false_alarms}/{args.queries} "
        f"= {false_alarms / args.queries:.1%}."
    )
    if missed:
        print("  manqués par type de variante : " + ", ".join(f"{k} {v}" for k, v in sorted(missed.items())))

    began = time.perf_counter()
    pairs = linkage.duplicate_pairs(territory_id, limit=100_000)
    elapsed = time.perf_counter() - began
    truth_pairs = {frozenset(pair) for pair in truth.items()}
    got = {frozenset((p.first.person_id, p.second.person_id)) for p in pairs}
    hits = len(got & truth_pairs)
    print(
        f"duplicate_pairs : {elapsed:.2f} s, {len(pairs)} paires ; rappel {hits}/{len(truth_pairs)} = "
        f"{hits / len(truth_pairs):.1%} ; précision {hits}/{len(got)} = {hits / max(len(got), 1):.1%}."
    )
    missed_pairs: dict[str, int] = {}
    for variant, original in truth.items():
        if frozenset((variant, original)) not in got:
            missed_pairs[kinds[variant]] = missed_pairs.get(kinds[variant], 0) + 1
    if missed_pairs:
        print("  manquées par type de variante : " + ", ".join(f"{k} {v}" for k, v in sorted(missed_pairs.items())))


if __name__ == "__main__":
    main()

"""Benchmark of the household import (issue item 9): dry run and import of a 10 000-row file.

Run (PostgreSQL at 127.0.0.1:5432, trust auth; the database is created and migrated if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lda_bench .venv/bin/python bench/import_households.py

Options: --rows 10000, --format xlsx|csv, --keep (commit the imported households; by default the
import runs in a transaction rolled back at the end, so the database is left as it was).

It generates a synthetic file as an SIAO would export it — plausible French names drawn by
`lda/demo/names.py`, households of 1 to 6 persons, situations, referrals, list entries and exits,
SNE numbers, DALO, consent — then times, on the configured database:

- the dry run (`importer.check`: reading and checking every row), as the upload page does;
- the import as the worker runs it (`run_tasks`: check again, then write in bulk in one
  transaction with the events and the audit record).

Target: under 30 s for 10 000 rows on PostgreSQL on a 2-core machine.
"""

import argparse
import csv
import io
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lda.settings")

import database  # noqa: E402  (bench/database.py, beside this script)

SEED = 20261122
TODAY = date(2026, 11, 1)
SITUATIONS = [
    ("À la rue", 30),
    ("Nuitée hôtelière (115)", 12),
    ("Hébergement d'urgence", 8),
    ("CHRS", 12),
    ("Hébergé·e chez de la famille ou des amis", 22),
    ("squat", 4),
    ("prison", 3),
    ("6", 2),  # an ETHOS category alone
    ("Menacé·e d'expulsion", 5),
    ("camp", 2),
]
SIZES = [(1, 45), (2, 20), (3, 15), (4, 12), (5, 6), (6, 2)]
REFERRERS = ["SIAO", "CCAS", "Association", "Maraude", "CCAPEX", "SPIP", "ASE", "Hôpital"]
PRIORITIES = ["Moins de 25 ans", "Famille monoparentale", "Grande marginalité", "Sortie de détention", ""]
EXITS = [("Logé", 65), ("Perdu de vue", 15), ("Parti du territoire", 10), ("A refusé l'accompagnement", 10)]
HOMES = ["Logement social", "IML", "Parc privé", "Pension de famille"]


def weighted(rng, table):
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def synthetic_rows(count: int, seed: int = SEED) -> list[dict]:
    from lda.demo.names import person_name

    rng = random.Random(seed)
    rows: list[dict] = []
    number = 0
    while len(rows) < count:
        number += 1
        size = min(weighted(rng, SIZES), count - len(rows))
        received = TODAY - timedelta(days=rng.randrange(20, 900))
        since = received - timedelta(days=rng.randrange(0, 400))
        household = {
            "Référence ménage": f"SIAO-{number:06d}",
            "Situation de logement": weighted(rng, SITUATIONS),
            "Depuis le": since,
            "Date de la saisine": received,
            "Prescripteur": rng.choice(REFERRERS),
            "Publics prioritaires": rng.choice(PRIORITIES),
            "Numéro unique": f"0691{rng.randrange(10**11):011d}" if rng.random() < 0.6 else "",
            "Date de dépôt": received - timedelta(days=rng.randrange(0, 300)) if rng.random() < 0.6 else None,
            "DALO": "non",
            "Accord de partage": "oui",
            "Date de l'accord": received,
            "Partenaires autorisés": "Association opératrice",
        }
        if rng.random() < 0.1:
            household["DALO"], household["Date DALO"] = "oui", received
        if rng.random() < 0.7:
            entered = min(received + timedelta(days=rng.randrange(5, 60)), TODAY)
            household["Date d'entrée sur la liste"] = entered
            household["Mesure"] = rng.choice(["VIAL", "AVDL", "IML", ""])
            left = entered + timedelta(days=rng.randrange(30, 500))
            if left < TODAY and rng.random() < 0.5:
                reason = weighted(rng, EXITS)
                household["Date de sortie"], household["Motif de sortie"] = left, reason
                if reason == "Logé":
                    household["Logement d'entrée"] = rng.choice(HOMES)
        adults = 1 if size == 1 or rng.random() < 0.4 else 2
        for index in range(size):
            adult = index < adults
            year = rng.randrange(1950, 2005) if adult else rng.randrange(2008, 2026)
            name = person_name(rng, birth_year=year)
            birth = date(year, rng.randrange(1, 13), rng.randrange(1, 29))
            rows.append(
                {
                    **(household if index == 0 else {"Référence ménage": household["Référence ménage"]}),
                    "Nom": name.last_name,
                    "Prénom": name.first_name,
                    "Date de naissance": birth if rng.random() < 0.9 else year,
                    "Sexe": "F" if name.sex == "F" else "H",
                    "Place dans le ménage": "adulte" if adult else "enfant",
                    "Situation administrative": rng.choice(["Française", "UE", "Titre de séjour", ""]),
                }
            )
    return rows


def to_file(rows: list[dict], fmt: str) -> bytes:
    from lda.households.importer import COLUMNS

    headers = [c.header for c in COLUMNS if any(c.header in r for r in rows[:200])]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(headers)
        for r in rows:
            writer.writerow([_cell(r.get(h)) for h in headers])
        return out.getvalue().encode("cp1252", errors="replace")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Ménages")
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value):
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else value


class Rollback(Exception):
    pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--keep", action="store_true", help="garder les ménages importés")
    args = parser.parse_args()
    database.prepare()
    from django.db import connection, transaction

    from lda.accounts.models import Membership, Organisation, Territory, User
    from lda.accounts.roles import OrganisationKind, Role
    from lda.households import importer
    from lda.households.models import Household, HouseholdEvent, Person
    from lda.households.task_handlers import IMPORT
    from lda.tasks import queue

    started = time.perf_counter()
    rows = synthetic_rows(args.rows)
    content = to_file(rows, args.format)
    print(
        f"Fichier {args.format} : {len(rows)} lignes, {len(content) / 1024 / 1024:.1f} Mo "
        f"(généré en {time.perf_counter() - started:.1f} s) ; base : {connection.vendor}"
    )

    started = time.perf_counter()
    report = importer.check(content)
    dry_run = time.perf_counter() - started
    summary = report.summary()
    print(
        f"Vérification (dry run) : {dry_run:.2f} s — {summary['households']} ménages, {summary['persons']} personnes, "
        f"{summary['errors']} erreur(s), {summary['warnings']} avertissement(s)"
    )
    if not report.clean:
        for problem in report.problems[:10]:
            print("  ", problem)

    try:
        with transaction.atomic():
            territory, _ = Territory.objects.get_or_create(
                name="Banc d'essai de l'import", defaults={"departement_code": "69", "epci_codes": []}
            )
            siao, _ = Organisation.objects.get_or_create(
                territory=territory,
                name="SIAO du banc d'essai",
                defaults={"kind": OrganisationKind.SIAO, "siret": "35600000000048"},
            )
            user, created = User.objects.get_or_create(
                email="banc-import@example.org", defaults={"first_name": "Banc", "last_name": "Import"}
            )
            if created:
                Membership.objects.create(user=user, organisation=siao, role=Role.REFERENT)
            before = Household.objects.filter(territory=territory).count()
            task = queue.enqueue(
                IMPORT,
                {"organisation_id": siao.pk, "role": Role.REFERENT, "mode": "all"},
                user=user,
                territory=territory,
                input_file=content,
                input_name=f"banc.{args.format}",
            )
            started = time.perf_counter()
            queue.run_task(queue.claim())
            elapsed = time.perf_counter() - started
            task.refresh_from_db()
            households = Household.objects.filter(territory=territory).count() - before
            persons = Person.objects.filter(household__territory=territory).count()
            events = HouseholdEvent.objects.filter(territory=territory).count()
            print(
                f"Import (tâche de fond, vérification comprise) : {elapsed:.2f} s — état {task.status} "
                f"{task.error} ; {households} ménages créés ({persons} personnes, {events} événements au total)"
            )
            target = "atteint" if dry_run + elapsed < 30 else "MANQUÉ"
            print(f"Objectif < 30 s (dry run + import) : {dry_run + elapsed:.1f} s, {target}.")
            if not args.keep:
                raise Rollback
    except Rollback:
        print("Transaction annulée : la base est laissée telle quelle (--keep pour garder les ménages).")


if __name__ == "__main__":
    main()

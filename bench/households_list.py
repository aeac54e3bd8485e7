"""Benchmark of the households list page ("households:list") on the demo territory at large scale.

Run (PostgreSQL at 127.0.0.1:5432, trust auth; the database is created and migrated if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lda_bench_list .venv/bin/python bench/households_list.py \\
        --households 100000

It seeds the demo territories (`seed_demo`) at the scale giving N households in the main territory
(scale = N / 2000), or reuses them when they already hold N households (--fresh rebuilds them).
Then, signed in as the documented coordinator (second factor done, as the tests' `sign_in`), it
GETs the list page 30 times for each scenario — default list, filtered by ETHOS category, by
priority public, sorted by time on the list, page 50 — and prints the median and p95 in ms and the
number of SQL queries per request. --explain prints PostgreSQL's plan of each scenario's page query.

Target: median < 300 ms at 100 000 households.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lda.settings")

import database  # noqa: E402  (bench/database.py, beside this script)

COORDINATOR = "coordination@demo.lda.fr"
SCENARIOS = (
    ("liste par défaut", {}),
    ("filtre ETHOS 1 (rue)", {"ethos": "1"}),
    ("filtre public prioritaire", {"public": "single_parent"}),
    ("tri par ancienneté sur la liste", {"tri": "anciennete"}),
    ("page 50", {"page": "50"}),
)


def ensure_demo(households: int, fresh: bool, seed: int) -> None:
    from django.conf import settings

    from lda.accounts.models import Territory
    from lda.demo.catalogue import MAIN
    from lda.demo.households import BASE_HOUSEHOLDS
    from lda.demo.territory import build_demo_territory, reset_demo_territories
    from lda.households.models import Household

    main = Territory.objects.filter(name=MAIN.name).first()
    existing = Household.objects.filter(territory=main).count() if main else 0
    if existing == households and not fresh:
        print(f"Territoire de démonstration réutilisé : {existing} ménages.")
        return
    settings.PRODUCTION = False
    if main:
        started = time.monotonic()
        reset_demo_territories()
        print(f"Territoires de démonstration supprimés en {time.monotonic() - started:.1f} s.")
    scale = households / BASE_HOUSEHOLDS[MAIN.key]
    result = build_demo_territory(seed=seed, scale=scale)
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.most_common())
    print(f"Démo construite en {result.seconds:.1f} s (échelle {scale:g}) : {counts}.")


def signed_in_client():
    import time as clock

    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lda.accounts.models import User
    from lda.accounts.signin import AUTH_AT, REAUTH_AT

    user = User.objects.get(email=COORDINATOR)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session[AUTH_AT] = session[REAUTH_AT] = clock.time()
    session.save()
    return client


class Queries:
    """Counts and times the SQL of a request (the test client resets Django's own query log)."""

    def __init__(self):
        self.log = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.log.append((time.perf_counter() - started, sql, params))


def explain(slowest) -> None:
    """PostgreSQL's plan of a request's slowest query."""
    from django.db import connection

    seconds, sql, params = slowest
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        print(f"    requête la plus lente ({seconds * 1000:.0f} ms) :")
        for (line,) in cursor.fetchall():
            print(f"      {line}")


def run(client, url: str, requests: int, show_plan: bool) -> list[tuple]:
    from django.db import connection

    results = []
    for label, params in SCENARIOS:
        response = client.get(url, params)  # warm-up (and a check that the page answers)
        if response.status_code != 200:
            raise SystemExit(f"{label} : statut {response.status_code}")
        queries = Queries()
        with connection.execute_wrapper(queries):
            client.get(url, params)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        median, p95 = statistics.median(timings), timings[round(0.95 * (len(timings) - 1))]
        sql_ms = sum(seconds for seconds, _, _ in queries.log) * 1000
        results.append((label, median, p95, len(queries.log)))
        print(
            f"  {label:<32} médiane {median:7.1f} ms   p95 {p95:7.1f} ms   "
            f"{len(queries.log)} requêtes SQL ({sql_ms:.0f} ms en base)"
        )
        if show_plan:
            explain(max(queries.log, key=lambda q: q[0]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000, help="ménages du territoire principal")
    parser.add_argument("--requests", type=int, default=30, help="requêtes mesurées par scénario")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fresh", action="store_true", help="reconstruit la démo même si elle existe")
    parser.add_argument("--explain", action="store_true", help="affiche le plan PostgreSQL de la requête la plus lente")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL doit désigner une base PostgreSQL (voir l'en-tête du script).")
    database.prepare()
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    ensure_demo(args.households, args.fresh, args.seed)
    with connection.cursor() as cursor:
        # As autovacuum would after a bulk load: the demo's bulk update of current_episode leaves dead rows.
        cursor.execute("VACUUM ANALYZE")
    setup_test_environment()  # the test client's host and an in-memory mail box
    url = reverse("households:list")
    print(f"GET {url} en tant que {COORDINATOR}, {args.requests} requêtes par scénario :")
    results = run(signed_in_client(), url, args.requests, args.explain)
    worst = max(median for _, median, _, _ in results)
    verdict = "atteinte" if worst < 300 else "MANQUÉE"
    print(f"Cible (médiane < 300 ms) {verdict} : pire médiane {worst:.0f} ms.")


if __name__ == "__main__":
    main()

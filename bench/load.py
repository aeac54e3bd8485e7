"""Load test on loopback: concurrent signed-in users of mixed roles against gunicorn + PostgreSQL.

Run (PostgreSQL at 127.0.0.1:5432, trust auth; the database is created and migrated if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lda_ops_load .venv/bin/python bench/load.py

It seeds the demo territories at scale 10 (`seed_demo --scale 10`, about 20 000 households in the
main territory) unless they are already there (--fresh rebuilds them), starts gunicorn on
127.0.0.1 (--workers, default 4) with the same settings, then signs in --users (default 50)
distinct demo accounts of mixed roles through the real forms — sign-in page, CSRF token, password,
then the current TOTP code for the roles that need a second factor — and lets each of them loop for
--duration seconds (default 60) over the pages its role may see: the home page, every section
linked from it ("Vos espaces"), and up to five household, measure and unit pages found on the lists.
Between two pages each user waits a random time averaging --think seconds (default 1; 0 for a
stress test with no pause).

It prints the number of requests, the errors (any status other than 2xx and 3xx, any redirect to
the sign-in page, any network error or timeout: there must be none) and the median and p95 per
page in ms, and exits with 1 on any error. Nothing here is run by `make test` or CI.

The users are threads of this process, each with its own HTTP session (requests); on a machine of
two cores the client takes its share of the CPU, which the figures include.
"""

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lda.settings")

import database  # noqa: E402  (bench/database.py, beside this script)

SECTION_LINK = re.compile(r'<h3><a href="(/[^"?#]*)')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Detail pages found on the lists: list path → pattern of the links to follow.
DETAILS = {
    "/menages/": re.compile(r'href="(/menages/\d+/)"'),
    "/mesures/": re.compile(r'href="(/mesures/\d+/)"'),
    "/mesures/file-active/": re.compile(r'href="(/mesures/\d+/)"'),
    "/logement/offre/": re.compile(r'href="(/logement/offre/\d+/)"'),
    "/logement/offre/mes-logements/": re.compile(r'href="(/logement/offre/\d+/)"'),
}
DETAILS_PER_LIST = 5
TIMEOUT = 60


def label(path: str) -> str:
    return re.sub(r"/\d+/", "/<id>/", path)


# ---------------------------------------------------------------------------------------------
# Preparation, in this process through Django.


def ensure_demo(scale: float, fresh: bool) -> None:
    from django.core.management import call_command

    from lda.accounts.models import Territory
    from lda.demo.catalogue import MAIN
    from lda.demo.households import BASE_HOUSEHOLDS
    from lda.households.models import Household

    main = Territory.objects.filter(name=MAIN.name).first()
    expected = round(BASE_HOUSEHOLDS[MAIN.key] * scale)
    existing = Household.objects.filter(territory=main).count() if main else 0
    if main and not fresh and abs(existing - expected) <= expected * 0.05:
        print(f"Démo réutilisée : {existing} ménages dans le territoire principal.")
        return
    started = time.monotonic()
    call_command("seed_demo", scale=scale, reset=True, verbosity=0)
    existing = Household.objects.filter(territory__name=MAIN.name).count()
    print(f"Démo construite à l'échelle {scale:g} en {time.monotonic() - started:.0f} s : {existing} ménages.")


@dataclass
class Account:
    email: str
    role: str
    totp: bool


def pick_accounts(count: int) -> list[Account]:
    """`count` distinct active accounts of the main demo territory, roles taken in turn."""
    from django.db.models import Count

    from lda.accounts.models import Membership
    from lda.demo.catalogue import DEMO_ACCOUNTS, MAIN

    single = (
        Membership.objects.filter(user__is_active=True)
        .values("user")
        .annotate(n=Count("id"))
        .filter(n=1)
        .values("user")
    )
    memberships = (
        Membership.objects.filter(organisation__territory__name=MAIN.name, user__is_active=True, user__in=single)
        .select_related("user")
        .order_by("user__email")
    )
    documented = [a.email for a in DEMO_ACCOUNTS]
    by_role: dict[str, list] = defaultdict(list)
    for m in sorted(memberships, key=lambda m: (m.user.email not in documented, m.user.email)):
        by_role[m.role].append(m)
    accounts, queues = [], [list(v) for _, v in sorted(by_role.items())]
    while len(accounts) < count and any(queues):
        for queue in queues:
            if queue and len(accounts) < count:
                m = queue.pop(0)
                accounts.append(Account(m.user.email, m.role, m.user.requires_totp))
    if len(accounts) < count:
        sys.exit(f"Seulement {len(accounts)} comptes disponibles pour {count} utilisateurs.")
    return accounts


def totp_code(email: str) -> str:
    from django.db import close_old_connections
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lda.demo.totp import device_token

    close_old_connections()
    device = TOTPDevice.objects.filter(user__email=email, confirmed=True).order_by("pk").first()
    return device_token(device)


# ---------------------------------------------------------------------------------------------
# gunicorn.


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_CONN_MAX_AGE=os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "lda.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--timeout=60",
        f"--error-logfile={log}",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603  (our own command line)
    import requests

    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/sante/", timeout=10).status_code == 200:
                return server
        except requests.RequestException:
            pass  # still booting: the first request of a worker loads the whole project
        if server.poll() is not None:
            sys.exit(f"gunicorn s'est arrêté (code {server.returncode}) : voir {log}.")
        time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn ne répond pas sur /sante/ après 60 s.")


# ---------------------------------------------------------------------------------------------
# The virtual users.


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    by_role: Counter = field(default_factory=Counter)

    def record(self, page: str, seconds: float, role: str, error: str | None) -> None:
        with self.lock:
            self.timings[page].append(seconds)
            self.by_role[role] += 1
            if error:
                self.errors[f"{page} : {error}"] += 1


class User:
    def __init__(self, base: str, account: Account, password: str):
        import requests

        self.base, self.account, self.password = base, account, password
        self.session = requests.Session()
        self.pages: list[str] = []

    def get(self, path: str):
        return self.session.get(urljoin(self.base, path), allow_redirects=False, timeout=TIMEOUT)

    def sign_in(self) -> float:
        started = time.monotonic()
        page = self.get("/connexion/")
        token = CSRF_FIELD.search(page.text).group(1)
        answer = self.session.post(
            urljoin(self.base, "/connexion/"),
            data={"csrfmiddlewaretoken": token, "email": self.account.email, "password": self.password, "next": ""},
            headers={"Referer": urljoin(self.base, "/connexion/")},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{self.account.email} : mot de passe refusé ({answer.status_code})")
        if urlparse(answer.headers["Location"]).path == "/connexion/code/":
            page = self.get("/connexion/code/")
            token = CSRF_FIELD.search(page.text).group(1)
            answer = self.session.post(
                urljoin(self.base, "/connexion/code/"),
                data={"csrfmiddlewaretoken": token, "code": totp_code(self.account.email)},
                headers={"Referer": urljoin(self.base, "/connexion/code/")},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
            if answer.status_code != 302:
                raise RuntimeError(f"{self.account.email} : code refusé ({answer.status_code})")
        return time.monotonic() - started

    def discover(self) -> None:
        """The pages of the role: home, its sections, a few detail pages found on its lists."""
        home = self.get("/")
        if home.status_code != 200:
            raise RuntimeError(f"{self.account.email} : accueil en {home.status_code}")
        sections = [p for p in dict.fromkeys(SECTION_LINK.findall(home.text)) if p != "/"]
        pages = ["/", *sections]
        for path in sections:
            pattern = DETAILS.get(path)
            if pattern is None:
                continue
            found = self.get(path)
            pages += list(dict.fromkeys(pattern.findall(found.text)))[:DETAILS_PER_LIST]
        self.pages = list(dict.fromkeys(pages))

    def loop(self, until: float, think: float, results: Results, rng: random.Random) -> None:
        order = list(self.pages)
        rng.shuffle(order)
        i = 0
        while time.monotonic() < until:
            path = order[i % len(order)]
            i += 1
            started = time.monotonic()
            error = None
            try:
                response = self.get(path)
                status = response.status_code
                if not 200 <= status < 400:
                    error = f"HTTP {status}"
                elif status in (301, 302, 303, 307, 308) and "/connexion/" in response.headers.get("Location", ""):
                    error = "renvoyé vers la connexion"
            except Exception as exc:  # noqa: BLE001  (a network error is an error of the run, counted)
                error = type(exc).__name__
            results.record(label(path), time.monotonic() - started, self.account.role, error)
            if think:
                time.sleep(rng.uniform(0, 2 * think))


def run_users(users: list[User], worker, concurrency: int) -> list:
    """Runs `worker(user)` for every user, `concurrency` at a time; returns the results in order."""
    out: list = [None] * len(users)
    lock = threading.Lock()
    pending = list(enumerate(users))

    def take():
        while True:
            with lock:
                if not pending:
                    return
                index, user = pending.pop(0)
            try:
                out[index] = worker(user)
            except Exception as exc:  # noqa: BLE001  (reported below)
                out[index] = exc

    threads = [threading.Thread(target=take) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0, help="pause moyenne entre deux pages, en s")
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fresh", action="store_true", help="reconstruit la démo")
    parser.add_argument("--seed", type=int, default=2026, help="graine du tirage des pages")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Donnez une base PostgreSQL : DATABASE_URL=postgres://…")
    database.prepare()
    from django.db import connections

    from lda.demo.catalogue import DEMO_PASSWORD

    ensure_demo(args.scale, args.fresh)
    with connections["default"].cursor() as cursor:
        started = time.monotonic()
        cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE en {time.monotonic() - started:.0f} s.")
    accounts = pick_accounts(args.users)
    roles = Counter(a.role for a in accounts)
    print(f"{len(accounts)} utilisateurs : " + ", ".join(f"{n} {role}" for role, n in sorted(roles.items())))
    connections.close_all()

    log = ROOT / "var" / "bench-load-gunicorn.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # A SIGTERM (timeout, Ctrl-C from a supervisor) still stops gunicorn through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    server = start_gunicorn(args.port, args.workers, log)
    try:
        base = f"http://127.0.0.1:{args.port}"
        users = [User(base, a, DEMO_PASSWORD) for a in accounts]
        started = time.monotonic()
        signins = run_users(users, User.sign_in, concurrency=10)
        failed = [s for s in signins if isinstance(s, Exception)]
        if failed:
            print("\n".join(f"ÉCHEC de connexion : {e}" for e in failed))
            return 1
        discovered = run_users(users, User.discover, concurrency=10)
        failed = [s for s in discovered if isinstance(s, Exception)]
        if failed:
            print("\n".join(f"ÉCHEC de découverte des pages : {e}" for e in failed))
            return 1
        print(
            f"Connexions réelles (formulaire, CSRF, mot de passe, code TOTP) : {len(users)} en "
            f"{time.monotonic() - started:.1f} s, médiane {statistics.median(signins) * 1000:.0f} ms ; "
            f"{sum(len(u.pages) for u in users)} pages à parcourir ({len({label(p) for u in users for p in u.pages})} distinctes)."
        )

        results = Results()
        until = time.monotonic() + args.duration
        master = random.Random(args.seed)
        threads = [
            threading.Thread(target=u.loop, args=(until, args.think, results, random.Random(master.random())))
            for u in users
        ]
        load_before = os.getloadavg()[0]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)

    total = sum(len(v) for v in results.timings.values())
    errors = sum(results.errors.values())
    print(
        f"\n{args.users} utilisateurs, {elapsed:.0f} s, pause moyenne {args.think:g} s, gunicorn {args.workers} workers : "
        f"{total} requêtes ({total / elapsed:.1f}/s), {errors} erreur(s)."
    )
    print(
        f"Charge de la machine (load average sur 1 min, {os.cpu_count()} cœurs) : {load_before:.1f} au début, "
        f"{load_after:.1f} à la fin ; les requêtes en cours à la fin des {args.duration:g} s sont attendues et comptées."
    )
    print("Par rôle : " + ", ".join(f"{role} {n}" for role, n in sorted(results.by_role.items())))
    width = max(len(p) for p in results.timings)
    print(f"\n{'page'.ljust(width)}  requêtes  médiane ms  p95 ms")
    for page, values in sorted(results.timings.items()):
        print(
            f"{page.ljust(width)}  {len(values):8d}  {statistics.median(values) * 1000:10.0f}  "
            f"{percentile(values, 0.95) * 1000:6.0f}"
        )
    every = [v for values in results.timings.values() for v in values]
    print(
        f"{'toutes les pages'.ljust(width)}  {len(every):8d}  {statistics.median(every) * 1000:10.0f}  "
        f"{percentile(every, 0.95) * 1000:6.0f}"
    )
    if errors:
        print("\nERREURS :")
        for what, n in results.errors.most_common():
            print(f"  {n} × {what}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The backup → restore drill on PostgreSQL (decision 0024).

One run: the configured database is dumped with `pg_dump --format=custom` inside a read-only
repeatable-read snapshot (so the figures of the source and the dump describe the same instant, even
while the application keeps writing), the dump is restored with `pg_restore` into a throw-away
database, then every table is compared on both sides — row count and a checksum of its rows — and
every sequence on its last value. The throw-away database is dropped whatever happens.

The comparison itself (`compare`) is a pure function of two fingerprints; the rest is the adapter
(psycopg connections and the two PostgreSQL tools). Nothing here reads the rows in Python: the
checksums are computed by PostgreSQL, and the report holds table names and numbers only.
"""

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

# md5 of each row's text form, sorted, concatenated, then hashed: independent of the physical order
# of the rows and of the table having a primary key; two copies with the same rows give the same sum.
TABLE_FINGERPRINT_SQL = (
    "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
    "FROM (SELECT md5(t::text) AS h FROM {table} AS t) AS rows"
)
TABLES_SQL = (
    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
)
SEQUENCES_SQL = (
    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), coalesce(last_value, 0) "
    "FROM pg_sequences WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
)
SCRATCH_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class DrillError(Exception):
    """The drill could not run (a tool missing, a dump or restore refused): a French message."""


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    checksum: str


@dataclass(frozen=True)
class Fingerprint:
    """What a database holds, summed up: per table its rows and checksum, per sequence its last value."""

    tables: dict[str, TableFingerprint]
    sequences: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TableComparison:
    name: str
    source: TableFingerprint | None  # None: absent from that side
    restored: TableFingerprint | None

    @property
    def identical(self) -> bool:
        return self.source is not None and self.source == self.restored

    @property
    def verdict(self) -> str:
        if self.source is None:
            return "en trop dans la copie restaurée"
        if self.restored is None:
            return "absente de la copie restaurée"
        if self.source.rows != self.restored.rows:
            return "nombre de lignes différent"
        if self.source.checksum != self.restored.checksum:
            return "contenu différent"
        return "identique"


@dataclass(frozen=True)
class SequenceComparison:
    name: str
    source: int | None
    restored: int | None

    @property
    def identical(self) -> bool:
        return self.source is not None and self.source == self.restored


@dataclass(frozen=True)
class DrillReport:
    tables: list[TableComparison]
    sequences: list[SequenceComparison]

    @property
    def differences(self) -> list[TableComparison | SequenceComparison]:
        return [c for c in [*self.tables, *self.sequences] if not c.identical]

    @property
    def ok(self) -> bool:
        return bool(self.tables) and not self.differences


def compare(source: Fingerprint, restored: Fingerprint) -> DrillReport:
    """Pure: each table and sequence of either side, matched by name, in name order."""
    tables = [
        TableComparison(name, source.tables.get(name), restored.tables.get(name))
        for name in sorted(source.tables.keys() | restored.tables.keys())
    ]
    sequences = [
        SequenceComparison(name, source.sequences.get(name), restored.sequences.get(name))
        for name in sorted(source.sequences.keys() | restored.sequences.keys())
    ]
    return DrillReport(tables, sequences)


def format_report(report: DrillReport) -> str:
    """The French per-table report: names and numbers only, never a row."""
    headers = ["table", "lignes (base)", "lignes (copie)", "résultat"]
    rows = [
        [
            c.name,
            "—" if c.source is None else str(c.source.rows),
            "—" if c.restored is None else str(c.restored.rows),
            c.verdict,
        ]
        for c in report.tables
    ]
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    lines = [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    different_sequences = [s for s in report.sequences if not s.identical]
    lines.append("")
    lines.append(
        f"Séquences : {len(report.sequences) - len(different_sequences)} identiques sur {len(report.sequences)}."
    )
    for s in different_sequences:
        source = "absente" if s.source is None else s.source
        restored = "absente" if s.restored is None else s.restored
        lines.append(f"  séquence {s.name} : {source} dans la base, {restored} dans la copie")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The adapter: PostgreSQL connections and tools.


@dataclass(frozen=True)
class Target:
    """Where a PostgreSQL database is: from Django's settings, never printed (the password)."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict) -> "Target":
        return cls(
            name=settings_dict["NAME"],
            user=settings_dict.get("USER") or "",
            password=settings_dict.get("PASSWORD") or "",
            host=settings_dict.get("HOST") or "",
            port=str(settings_dict.get("PORT") or ""),
        )

    def other(self, name: str) -> "Target":
        return Target(name, self.user, self.password, self.host, self.port)

    def connect(self, **kwargs):
        import psycopg

        params = {"dbname": self.name, "user": self.user, "password": self.password, "host": self.host}
        params["port"] = self.port
        return psycopg.connect(**{k: v for k, v in params.items() if v}, **kwargs)

    def environment(self) -> dict[str, str]:
        """libpq's variables for pg_dump and pg_restore: the password stays out of the command line."""
        env = dict(os.environ)
        for variable, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
        ):
            if value:
                env[variable] = value
        return env


def fingerprint(connection) -> Fingerprint:
    """Computed by PostgreSQL in the connection's current transaction."""
    tables = {}
    for (name,) in connection.execute(TABLES_SQL).fetchall():
        rows, checksum = connection.execute(TABLE_FINGERPRINT_SQL.format(table=name)).fetchone()
        tables[name] = TableFingerprint(rows, checksum)
    sequences = {name: int(value) for name, value in connection.execute(SEQUENCES_SQL).fetchall()}
    return Fingerprint(tables, sequences)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DrillError(f"L'outil {name} est introuvable : installez le client PostgreSQL (paquet postgresql-client).")
    return path


def _run(command: list[str], target: Target, what: str) -> None:
    # The command is ours: an absolute tool path, fixed options, names checked by SCRATCH_NAME or from settings.
    done = subprocess.run(command, env=target.environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        # The tools' own messages name objects, not row contents; keep the last lines only.
        detail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise DrillError(f"{what} a échoué (code {done.returncode}) :\n{detail}")


def drop_database(target: Target, name: str) -> None:
    with target.other("postgres").connect(autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_drill(
    target: Target,
    scratch: str,
    *,
    after_restore: Callable[[Target], None] | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> DrillReport:
    """Dump, restore into `scratch`, compare; `scratch` is dropped whatever happens.

    `after_restore` is called with the restored copy before it is compared (the tests tamper with it).
    """
    if not SCRATCH_NAME.match(scratch):
        raise DrillError(
            f"Nom de base jetable invalide : « {scratch} » (lettres minuscules, chiffres et _, 63 caractères au plus)."
        )
    if scratch == target.name:
        raise DrillError("La base jetable doit être différente de la base sauvegardée.")
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    with tempfile.TemporaryDirectory(prefix="lda-drill-") as folder:
        dump = os.path.join(folder, "lda.dump")
        os.chmod(folder, 0o700)
        # The snapshot exported by a read-only repeatable-read transaction: pg_dump and the source's
        # fingerprint see exactly the same rows.
        with target.connect(autocommit=True) as source:
            source.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = source.execute("SELECT pg_export_snapshot()").fetchone()[0]
            say(f"Sauvegarde de la base {target.name} (pg_dump, format personnalisé)…")
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", target.name],
                target,
                "La sauvegarde (pg_dump)",
            )
            say("Empreintes de la base sauvegardée…")
            before = fingerprint(source)
            source.execute("COMMIT")
        say(f"Sauvegarde : {os.path.getsize(dump)} octets. Restauration dans la base jetable {scratch}…")
        try:
            with target.other("postgres").connect(autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
                admin.execute(f"CREATE DATABASE \"{scratch}\" TEMPLATE template0 ENCODING 'UTF8'")
            copy = target.other(scratch)
            _run(
                [pg_restore, "--exit-on-error", "--no-owner", "--no-privileges", f"--dbname={scratch}", dump],
                copy,
                "La restauration (pg_restore)",
            )
            if after_restore is not None:
                after_restore(copy)
            say("Empreintes de la copie restaurée…")
            with copy.connect(autocommit=True) as restored:
                after = fingerprint(restored)
        finally:
            drop_database(target, scratch)
            say(f"Base jetable {scratch} supprimée.")
    return compare(before, after)

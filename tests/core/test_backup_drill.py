"""The backup → restore drill (decision 0024): the pure comparison everywhere, the real drill on PostgreSQL."""

import zlib
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from lda.core.backup import Fingerprint, TableFingerprint, compare, format_report
from tests.factories import TerritoryFactory

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump et pg_restore : la répétition n'existe que sur PostgreSQL"
)


def fp(**tables):
    return Fingerprint({name: TableFingerprint(*value) for name, value in tables.items()}, {"public.s": 3})


# ---------------------------------------------------------------------------------------------
# The pure comparison.


def test_identical_copies_pass():
    report = compare(fp(a=(2, "x"), b=(0, "y")), fp(a=(2, "x"), b=(0, "y")))
    assert report.ok
    assert [c.verdict for c in report.tables] == ["identique", "identique"]


def test_a_different_row_count_fails():
    report = compare(fp(a=(2, "x")), fp(a=(1, "x")))
    assert not report.ok
    assert report.tables[0].verdict == "nombre de lignes différent"


def test_same_count_but_different_content_fails():
    report = compare(fp(a=(2, "x")), fp(a=(2, "z")))
    assert not report.ok
    assert report.tables[0].verdict == "contenu différent"


def test_a_table_missing_from_the_copy_fails():
    report = compare(fp(a=(2, "x"), b=(0, "y")), fp(a=(2, "x")))
    assert not report.ok
    assert [c.name for c in report.differences] == ["b"]
    assert report.differences[0].verdict == "absente de la copie restaurée"


def test_a_table_only_in_the_copy_fails():
    report = compare(fp(a=(2, "x")), fp(a=(2, "x"), b=(0, "y")))
    assert not report.ok
    assert report.differences[0].verdict == "en trop dans la copie restaurée"


def test_a_sequence_behind_fails():
    source = fp(a=(2, "x"))
    report = compare(source, replace(source, sequences={"public.s": 1}))
    assert not report.ok
    assert "séquence public.s : 3 dans la base, 1 dans la copie" in format_report(report)


def test_nothing_compared_is_not_a_success():
    assert not compare(Fingerprint({}), Fingerprint({})).ok


def test_the_report_holds_names_and_numbers_only():
    text = format_report(compare(fp(households_person=(12, "secretchecksum")), fp(households_person=(12, "other"))))
    assert "households_person" in text and "12" in text and "contenu différent" in text
    assert "secretchecksum" not in text


fingerprints = st.dictionaries(
    st.text("abcdefghij_", min_size=1, max_size=8),
    st.builds(TableFingerprint, st.integers(0, 10**6), st.text("0123456789abcdef", min_size=32, max_size=32)),
    min_size=1,
    max_size=12,
)


# No deadline: pure and fast, but the shared two-core machine can pause any example past 200 ms.
@settings(deadline=None)
@given(fingerprints)
def test_property_a_copy_equal_to_its_source_passes(tables):
    assert compare(Fingerprint(tables), Fingerprint(dict(tables))).ok


@settings(deadline=None)
@given(fingerprints, st.data())
def test_property_any_change_to_one_table_is_caught(tables, data):
    name = data.draw(st.sampled_from(sorted(tables)))
    before = tables[name]
    change = data.draw(st.sampled_from(["rows", "checksum", "drop"]))
    altered = dict(tables)
    if change == "rows":
        altered[name] = replace(before, rows=before.rows + data.draw(st.integers(1, 5)))
    elif change == "checksum":
        altered[name] = replace(before, checksum=before.checksum[::-1] + "!")
    else:
        del altered[name]
    report = compare(Fingerprint(tables), Fingerprint(altered))
    assert not report.ok
    assert [c.name for c in report.differences] == [name]


# ---------------------------------------------------------------------------------------------
# The command.


@pytest.mark.skipif(connection.vendor == "postgresql", reason="le refus ne concerne que SQLite")
def test_refused_on_sqlite_with_a_clear_message(db):
    with pytest.raises(CommandError, match="réservée à PostgreSQL"):
        call_command("backup_drill")


def databases_named(prefix):
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"])
        return [row[0] for row in cursor.fetchall()]


def scratch_name(request):
    """Unique per test and per test database (one per engineer and per xdist worker): test_lda_ops → lda_ops_…"""
    stem = connection.settings_dict["NAME"].removeprefix("test_")[:30]
    return f"{stem}_drill_t{zlib.crc32(request.node.name.encode()) % 10**8}"


def execute_on(copy, sql):
    with copy.connect(autocommit=True) as restored:
        restored.execute(sql)


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_drill_passes_on_an_honest_restore_and_drops_its_copy(request, capsys):
    TerritoryFactory(name="Territoire sauvegardé")
    scratch = scratch_name(request)
    call_command("backup_drill", scratch=scratch)
    out = capsys.readouterr().out
    assert "Restauration conforme" in out
    assert "public.accounts_territory" in out and "identique" in out
    assert databases_named(scratch) == []


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("tampering", "verdict"),
    [
        ("UPDATE accounts_territory SET name = name || ' (altéré)'", "contenu différent"),
        ("DELETE FROM accounts_territory WHERE id = (SELECT min(id) FROM accounts_territory)", "nombre de lignes"),
        ("DROP TABLE tasks_dailyrun", "absente de la copie restaurée"),
        ("SELECT setval('accounts_territory_id_seq', 1, false)", "séquence public.accounts_territory_id_seq"),
    ],
)
def test_drill_fails_on_any_difference_in_the_restored_copy(request, capsys, tampering, verdict):
    TerritoryFactory(name="Territoire sauvegardé")
    TerritoryFactory(name="Autre territoire", departement_code="84", epci_codes=[])
    scratch = scratch_name(request)
    with pytest.raises(CommandError, match="NON conforme"):
        call_command("backup_drill", scratch=scratch, after_restore=lambda copy: execute_on(copy, tampering))
    assert verdict in capsys.readouterr().out
    assert databases_named(scratch) == []


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_the_copy_is_dropped_even_when_the_drill_breaks(request):
    scratch = scratch_name(request)

    def broken(copy):
        raise RuntimeError("panne au milieu de la répétition")

    with pytest.raises(RuntimeError):
        call_command("backup_drill", scratch=scratch, after_restore=broken)
    assert databases_named(scratch) == []


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["Base-Majuscules", "x" * 64, "a;drop"])
def test_a_bad_scratch_name_is_refused_in_french(name):
    with pytest.raises(CommandError, match="Nom de base jetable invalide"):
        call_command("backup_drill", scratch=name)


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_the_source_itself_is_never_the_scratch():
    with pytest.raises(CommandError, match="différente de la base sauvegardée"):
        call_command("backup_drill", scratch=connection.settings_dict["NAME"])

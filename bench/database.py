"""Shared by the benchmarks: the database named by DATABASE_URL, created if missing, migrated."""

import os
from urllib.parse import urlparse


def ensure_database(url: str) -> None:
    """Creates the PostgreSQL database named by the URL when it does not exist yet."""
    import psycopg

    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"Base {name} créée.")


def prepare() -> None:
    """Creates the database if needed, sets Django up and applies the migrations."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

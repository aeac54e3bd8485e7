from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lda.accounts.models import Membership, Organisation, Territory, User
from lda.audit.models import AccessLog
from tests.factories import make_siret

pytestmark = pytest.mark.django_db


def _bootstrap(**overrides):
    options = {
        "territoire": "Métropole nouvelle",
        "departement": "13",
        "epci": ["200054807"],
        "organisation": "Plateforme LDA",
        "siret": make_siret(),
        "email": "admin@metropole.invalid",
        "prenom": "Claire",
        "nom": "Durand",
    }
    options.update(overrides)
    args = []
    for key, value in options.items():
        for item in value if isinstance(value, list) else [value]:
            args += [f"--{key}", item]
    out = StringIO()
    call_command("bootstrap_territory", *args, stdout=out)
    return out.getvalue()


def test_bootstrap_creates_the_territory_and_its_administrator():
    output = _bootstrap()
    user = User.objects.get(email="admin@metropole.invalid")
    assert Membership.objects.get(user=user).role == "admin"
    assert "/connexion/nouveau-mot-de-passe/" in output


def test_bootstrap_with_a_bad_siret_creates_nothing():
    with pytest.raises(CommandError, match="Rien n'a été créé"):
        _bootstrap(siret="12345678901234")
    assert not Territory.objects.exists() and not Organisation.objects.exists()


def test_purge_is_a_dry_run_unless_told_otherwise():
    AccessLog.objects.create(action="read", keep_until="2000-01-01T00:00Z")
    out = StringIO()
    call_command("purge_access_log", stdout=out)
    assert "Simulation : 1" in out.getvalue()
    assert AccessLog.objects.filter(keep_until__year=2000).count() == 1
    call_command("purge_access_log", "--wet-run", stdout=StringIO())
    assert AccessLog.objects.filter(keep_until__year=2000).count() == 0

import os
import time

os.environ.setdefault("LDA_STRICT_TEMPLATES", "1")

import pytest  # noqa: E402
import time_machine  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from lda.accounts.roles import Role  # noqa: E402
from lda.accounts.signin import AUTH_AT, REAUTH_AT  # noqa: E402
from tests.clock import morning, reference_today  # noqa: E402
from tests.factories import TerritoryFactory, user_with_role  # noqa: E402

_clock = time_machine.travel(morning(reference_today()), tick=True)


def pytest_configure(config):
    """No test reads the machine's clock: the suite runs on an explicit date (tests/clock.py).

    The clock is set before collection, not in a fixture: test modules read it at import
    (`TODAY = timezone.localdate()`), and on the machine's clock those constants drift from the
    tests' day — past midnight in Paris, a "today" of the day after turned every date into a future
    one (40 red tests on a run made after 23:00 UTC).
    """
    _clock.start()


def pytest_unconfigure(config):
    _clock.stop()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Argon2 is slow on purpose; tests that check hashing ask for it explicitly."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, user):
    """Signs a user in as the real flow would leave the session: second factor done when needed."""
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[AUTH_AT] = time.time()
    session[REAUTH_AT] = time.time()
    session.save()
    return client


@pytest.fixture
def territory(db):
    return TerritoryFactory(name="Métropole test")


@pytest.fixture
def other_territory(db):
    return TerritoryFactory(name="Autre territoire", departement_code="84", epci_codes=[])


@pytest.fixture
def users(territory):
    """One user per role in the main territory."""
    return {role: user_with_role(role, territory) for role in Role.values}


@pytest.fixture
def client_for(client, users):
    def make(role):
        if role == "anonymous":
            return client
        return sign_in(client, users[role])

    return make

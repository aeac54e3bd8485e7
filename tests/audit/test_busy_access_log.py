"""A busy database never turns a read into a 500 because of the access log (issue 18, item 11, access-log part).

On SQLite an import holding the write lock made the read's INSERT into the access log wait 5 s and
fail with "database is locked": the page answered 500. The read is now served, its row kept with
its own time and written with the next row or at the end of the request."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

from lda.audit import log
from lda.audit.models import AccessLog, Action
from tests.conftest import sign_in
from tests.households.helpers import make_household

pytestmark = pytest.mark.django_db

REAL_CREATE = AccessLog.objects.create


def _locked_once():
    calls = {"n": 0}

    def create(**fields):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("database is locked")
        return REAL_CREATE(**fields)

    return create


@pytest.fixture(autouse=True)
def _no_leftover():
    log._pending.clear()
    yield
    log._pending.clear()


def test_a_read_is_served_while_the_log_is_locked_and_its_row_is_written_after(client, users, caplog):
    household = make_household(users["referent"])
    sign_in(client, users["referent"])
    before = AccessLog.objects.filter(action=Action.READ).count()
    with mock.patch.object(AccessLog.objects, "create", side_effect=_locked_once()):
        response = client.get(reverse("households:detail", args=[household.pk]))
    assert response.status_code == 200
    rows = AccessLog.objects.filter(action=Action.READ, object_type="household", object_id=str(household.pk))
    assert rows.count() == 1 and AccessLog.objects.filter(action=Action.READ).count() == before + 1
    assert log._pending == []
    assert "mis en attente" in caplog.text and household.reference not in caplog.text


def test_a_write_still_fails_loudly():
    with (
        mock.patch.object(AccessLog.objects, "create", side_effect=OperationalError("database is locked")),
        pytest.raises(OperationalError),
    ):
        log.record(Action.EXPORT, object_type="households")


def test_rows_kept_while_busy_keep_their_order_and_time():
    with mock.patch.object(AccessLog.objects, "create", side_effect=OperationalError("database is locked")):
        first = log.record(Action.READ, object_type="household", object_id=1)
        second = log.record(Action.DENIED, object_type="permission", object_id="x")
    assert first.pk is None and second.pk is None and len(log._pending) == 2
    assert log.flush_pending() == 2
    saved = list(AccessLog.objects.filter(object_type__in=["household", "permission"]).order_by("pk"))
    assert [(r.action, r.at) for r in saved] == [(Action.READ, first.at), (Action.DENIED, second.at)]

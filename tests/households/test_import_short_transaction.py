"""The import parses outside its write transaction (issue 18, item 11, import part).

On SQLite the transaction takes the write lock at its start (IMMEDIATE): parsing and checking a
10 000-row file inside it kept every other writer — the access log of a read included — waiting."""

from unittest import mock

import pytest
from django.db import connection

from lda.households import importer
from lda.households.models import Household
from lda.tasks.models import Status
from lda.tasks.registry import handler_for
from tests.households.import_helpers import as_csv, row
from tests.households.test_import_write import start

pytestmark = pytest.mark.django_db


def test_the_file_is_checked_outside_the_transaction_that_writes(users):
    depths = {}
    real_check, real_write = importer.check, importer.write

    def check(*args, **kwargs):
        depths["check"] = len(connection.atomic_blocks)
        return real_check(*args, **kwargs)

    def write(*args, **kwargs):
        depths["write"] = len(connection.atomic_blocks)
        return real_write(*args, **kwargs)

    with mock.patch.object(importer, "check", check), mock.patch.object(importer, "write", write):
        task = start(users["referent"], as_csv([row(), row(Référence_ménage="M2", Nom="Durand")]))
    assert task.status == Status.DONE, task.error
    assert depths["write"] == depths["check"] + 1
    assert Household.objects.count() == 2


def test_a_refused_file_fails_the_task_before_any_transaction_and_writes_nothing(users):
    task = start(users["referent"], as_csv([row(Nom="")]))
    assert task.status == Status.FAILED and "Rien n'a été importé" in task.error
    assert not Household.objects.exists()


def test_the_import_handler_declares_its_preparation():
    handler = handler_for("households.import")
    assert handler.atomic and handler.prepare is not None

"""The import pages: upload and dry run, report, confirmation, progress, result."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lda.accounts.roles import Role
from lda.households import importer
from lda.households.models import Household
from lda.households.task_handlers import DRY_RUN, IMPORT
from lda.tasks import queue
from lda.tasks.models import Status, Task
from lda.tasks.registry import handler_for
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.import_helpers import as_csv, row


@pytest.fixture
def referent(client, users):
    sign_in(client, users[Role.REFERENT])
    return users[Role.REFERENT]


def post(client, content, name="menages.csv"):
    return client.post(reverse("imports:upload"), {"fichier": SimpleUploadedFile(name, content)})


def upload(client, content, name="menages.csv"):
    """Posts the file, then the worker runs its dry run; the answer to the upload is returned."""
    response = post(client, content, name)
    queue.run_pending()
    return response


def held_import():
    return Task.objects.get(kind=IMPORT)


def test_the_upload_page_documents_every_column(client, referent):
    html = client.get(reverse("imports:upload")).content.decode()
    for column in importer.COLUMNS:
        assert column.header.replace("'", "&#x27;") in html
    assert reverse("imports:template") in html


def test_the_template_is_an_xlsx_download(client, referent):
    response = client.get(reverse("imports:template"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"


def test_a_clean_file_goes_dry_run_then_confirm_then_task_then_result(client, referent):
    response = upload(client, as_csv([row(), row(Référence_ménage="M2", Nom="Durand")]))
    dry_run, task = Task.objects.get(kind=DRY_RUN), held_import()
    assert response.status_code == 302 and response["Location"] == reverse("imports:task", args=[dry_run.pk])
    assert dry_run.status == Status.DONE and dry_run.input_file is None  # the file moved to the import
    status = client.get(reverse("imports:task", args=[dry_run.pk])).content.decode()
    assert reverse("imports:report", args=[task.pk]) in status
    assert task.status == Status.HELD and bytes(task.input_file)
    assert not Household.objects.exists()  # the dry run writes nothing
    report = client.get(reverse("imports:report", args=[task.pk])).content.decode()
    assert "aucune erreur" in report and "Importer les 2 ménages" in report
    response = client.post(reverse("imports:confirm", args=[task.pk]), {"mode": "all"})
    assert response["Location"] == reverse("imports:task", args=[task.pk])
    queue.run_pending()
    status = client.get(reverse("imports:task", args=[task.pk])).content.decode()
    assert reverse("imports:result", args=[task.pk]) in status
    result = client.get(reverse("imports:result", args=[task.pk])).content.decode()
    for household in Household.objects.all():
        assert reverse("households:detail", args=[household.pk]) in result
    assert "Durand" in result


def test_errors_are_listed_with_their_lines_and_block_a_full_import(client, referent):
    upload(client, as_csv([row(), row(Référence_ménage="M2", Nom="", Date_de_naissance="31/02/1980")]))
    task = held_import()
    html = client.get(reverse("imports:report", args=[task.pk])).content.decode()
    assert "<td>3</td><td>Nom</td><td>Erreur</td><td>Nom manquant.</td>" in html
    assert "n&#x27;existe pas" in html
    assert "Importer seulement les 1 ménages valides" in html
    response = client.post(reverse("imports:confirm", args=[task.pk]), {"mode": "all"})
    assert response["Location"] == reverse("imports:report", args=[task.pk])
    task.refresh_from_db()
    assert task.status == Status.HELD
    client.post(reverse("imports:confirm", args=[task.pk]), {"mode": "valid_only"})
    queue.run_pending()
    task.refresh_from_db()
    assert task.status == Status.DONE and Household.objects.count() == 1
    assert "Lignes laissées de côté" in client.get(reverse("imports:result", args=[task.pk])).content.decode()


def test_a_refused_file_fails_its_dry_run_with_the_reason_and_keeps_nothing(client, referent):
    response = upload(client, b"Nom;Prenom\r\nMartin;Lea\r\n")
    dry_run = Task.objects.get()
    assert response["Location"] == reverse("imports:task", args=[dry_run.pk])
    assert dry_run.status == Status.FAILED and dry_run.input_file is None
    status = client.get(reverse("imports:task", args=[dry_run.pk])).content.decode()
    assert "Colonnes obligatoires absentes" in status and "déposez-le à nouveau" in status
    assert not Task.objects.filter(kind=IMPORT).exists()


def test_too_large_a_file_is_refused_before_reading(client, referent):
    response = upload(client, b"x" * (importer.MAX_BYTES + 1))
    assert "dépasse 5 Mo" in response.content.decode()
    assert not Task.objects.exists()


def test_discarding_deletes_the_file(client, referent):
    upload(client, as_csv([row()]))
    task = held_import()
    client.post(reverse("imports:discard", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == Status.FAILED and task.input_file is None


def test_another_users_import_answers_404(client, users, territory, referent):
    colleague = user_with_role(Role.REFERENT, territory, organisation=referent.memberships.get().organisation)
    upload(client, as_csv([row()]))
    task = held_import()
    sign_in(client, colleague)
    for name in ("imports:report", "imports:result"):
        assert client.get(reverse(name, args=[task.pk])).status_code == 404
    assert client.post(reverse("imports:confirm", args=[task.pk])).status_code == 404


def test_the_report_and_result_pages_have_bounded_queries(client, referent, django_assert_max_num_queries):
    rows = [row(Référence_ménage=f"M{i}", Nom="" if i % 3 == 0 else "Martin") for i in range(300)]
    upload(client, as_csv(rows))
    task = held_import()
    with django_assert_max_num_queries(12):
        client.get(reverse("imports:report", args=[task.pk]))
    client.post(reverse("imports:confirm", args=[task.pk]), {"mode": "valid_only"})
    queue.run_pending()
    with django_assert_max_num_queries(14):
        response = client.get(reverse("imports:result", args=[task.pk]))
    assert response.status_code == 200


def test_the_upload_only_stores_the_file_and_queues_its_dry_run(client, referent, monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("the file is parsed in the request")

    monkeypatch.setattr(importer, "check", no_parsing)
    monkeypatch.setattr(importer, "read_table", no_parsing)
    content = as_csv([row()])
    response = post(client, content)
    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:task", args=[task.pk])
    assert task.kind == DRY_RUN and task.status == Status.QUEUED and bytes(task.input_file) == content
    assert task.created_by == referent
    page = client.get(reverse("imports:task", args=[task.pk])).content.decode()
    assert "Vérification d&#x27;un fichier de ménages" in page and 'hx-trigger="every 2s"' in page


def test_the_dry_run_reports_its_progress(client, referent, monkeypatch):
    monkeypatch.setattr(importer, "CHECK_PROGRESS_EVERY", 2)
    written = []
    real_flush = queue.Progress.flush

    def flush(self):
        real_flush(self)
        row_ = Task.objects.values_list("progress_done", "progress_total", "progress_label").get(pk=self.task.pk)
        written.append(row_)

    ticks = iter(range(10, 1_000_000, 10))  # the queue's clock only: every report is written at once
    monkeypatch.setattr(queue, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    monkeypatch.setattr(queue.Progress, "flush", flush)
    post(client, as_csv([row(Référence_ménage=f"M{i}") for i in range(5)]))
    queue.run_pending()
    assert written[0] == (0, 0, "Lecture du fichier")
    assert (0, 5, "Vérification des lignes") in written
    assert (2, 5, "Vérification des lignes") in written and (4, 5, "Vérification des lignes") in written
    assert (5, 5, "Recherche des personnes en double") in written
    dry_run = Task.objects.get(kind=DRY_RUN)
    assert dry_run.status == Status.DONE and dry_run.percent == 100


def test_the_report_after_the_background_dry_run_lists_the_same_rejections_as_the_check(client, referent):
    content = as_csv(
        [row(), row(), row(Référence_ménage="M2", Nom="", Date_de_naissance="31/02/1980"), row(Référence_ménage="M3")]
    )
    upload(client, content)
    task = held_import()
    expected = importer.check(content).to_json()
    assert task.result["check"] == expected
    assert any(p["level"] == "warning" and "en double" in p["message"] for p in expected["problems"])
    html = client.get(reverse("imports:report", args=[task.pk])).content.decode()
    for problem in expected["problems"]:
        assert problem["message"].replace("'", "&#x27;") in html
    assert "<td>4</td><td>Nom</td><td>Erreur</td><td>Nom manquant.</td>" in html


def test_the_dry_run_and_its_report_are_only_the_uploaders(client, territory, referent):
    colleague = user_with_role(Role.REFERENT, territory, organisation=referent.memberships.get().organisation)
    upload(client, as_csv([row()]))
    dry_run, task = Task.objects.get(kind=DRY_RUN), held_import()
    assert (
        task.created_by == referent and task.payload["organisation_id"] == colleague.memberships.get().organisation_id
    )
    sign_in(client, colleague)
    for name in ("imports:task", "imports:task_progress"):
        assert client.get(reverse(name, args=[dry_run.pk])).status_code == 404
    assert client.get(reverse("imports:report", args=[task.pk])).status_code == 404


def test_a_dry_run_that_breaks_leaves_no_held_import_and_no_file(client, referent, monkeypatch):
    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(importer.Report, "to_json", broken)  # after the held import is created
    upload(client, as_csv([row()]))
    dry_run = Task.objects.get()
    assert dry_run.kind == DRY_RUN and dry_run.status == Status.FAILED and dry_run.input_file is None
    assert "erreur interne" in dry_run.error and "boom" not in dry_run.error


def test_the_dry_run_handler_parses_outside_its_transaction():
    handler = handler_for(DRY_RUN)
    assert handler.atomic and handler.prepare is not None and handler.label

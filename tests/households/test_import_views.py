"""The import pages: upload and dry run, report, confirmation, progress, result."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lda.accounts.roles import Role
from lda.households import importer
from lda.households.models import Household
from lda.tasks import queue
from lda.tasks.models import Status, Task
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.import_helpers import as_csv, row


@pytest.fixture
def referent(client, users):
    sign_in(client, users[Role.REFERENT])
    return users[Role.REFERENT]


def upload(client, content, name="menages.csv"):
    return client.post(reverse("imports:upload"), {"fichier": SimpleUploadedFile(name, content)})


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
    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:report", args=[task.pk])
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
    task = Task.objects.get()
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


def test_a_refused_file_stays_on_the_form_with_the_reason_and_keeps_nothing(client, referent):
    response = upload(client, b"Nom;Prenom\r\nMartin;Lea\r\n")
    assert response.status_code == 200
    assert "Colonnes obligatoires absentes" in response.content.decode()
    assert not Task.objects.exists()


def test_too_large_a_file_is_refused_before_reading(client, referent):
    response = upload(client, b"x" * (importer.MAX_BYTES + 1))
    assert "dépasse 5 Mo" in response.content.decode()


def test_discarding_deletes_the_file(client, referent):
    upload(client, as_csv([row()]))
    task = Task.objects.get()
    client.post(reverse("imports:discard", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == Status.FAILED and task.input_file is None


def test_another_users_import_answers_404(client, users, territory, referent):
    colleague = user_with_role(Role.REFERENT, territory, organisation=referent.memberships.get().organisation)
    upload(client, as_csv([row()]))
    task = Task.objects.get()
    sign_in(client, colleague)
    for name in ("imports:report", "imports:result"):
        assert client.get(reverse(name, args=[task.pk])).status_code == 404
    assert client.post(reverse("imports:confirm", args=[task.pk])).status_code == 404


def test_the_report_and_result_pages_have_bounded_queries(client, referent, django_assert_max_num_queries):
    rows = [row(Référence_ménage=f"M{i}", Nom="" if i % 3 == 0 else "Martin") for i in range(300)]
    upload(client, as_csv(rows))
    task = Task.objects.get()
    with django_assert_max_num_queries(12):
        client.get(reverse("imports:report", args=[task.pk]))
    client.post(reverse("imports:confirm", args=[task.pk]), {"mode": "valid_only"})
    queue.run_pending()
    with django_assert_max_num_queries(14):
        response = client.get(reverse("imports:result", args=[task.pk]))
    assert response.status_code == 200

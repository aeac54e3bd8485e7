"""The task status page: progress shown accessibly, refreshed by htmx until the task ends."""

import pytest
from django.urls import reverse

from lda.accounts.roles import Role
from lda.tasks import queue
from lda.tasks.models import Status
from lda.tasks.registry import task_handler
from tests.conftest import sign_in


@task_handler("tests.page", label="Tâche affichée")
def _page(task, progress):
    return {}


@pytest.fixture
def referent(users):
    return users[Role.REFERENT]


def test_a_running_task_polls_and_shows_an_accessible_progress_bar(client, referent, django_assert_max_num_queries):
    task = queue.enqueue("tests.page", user=referent)
    task.progress_done, task.progress_total = 25, 100
    task.status = Status.RUNNING
    task.save()
    sign_in(client, referent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("imports:task", args=[task.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in html
    assert reverse("imports:task_progress", args=[task.pk]) in html
    assert '<progress class="w-100" max="100" value="25" aria-labelledby="tache-titre"' in html
    assert 'role="status" aria-live="polite"' in html
    fragment = client.get(reverse("imports:task_progress", args=[task.pk]))
    assert fragment.status_code == 200
    assert 'hx-swap-oob="innerHTML"' in fragment.content.decode()


def test_a_finished_task_stops_polling_and_shows_its_error(client, referent):
    task = queue.enqueue("tests.page", user=referent)
    task.status, task.error = Status.FAILED, "Le fichier est vide."
    task.save()
    sign_in(client, referent)
    page = client.get(reverse("imports:task", args=[task.pk])).content.decode()
    assert "hx-trigger" not in page
    assert "Le fichier est vide." in page
    assert client.get(reverse("imports:task_progress", args=[task.pk])).status_code == 286


def test_another_users_task_answers_404(client, users, referent):
    task = queue.enqueue("tests.page", user=referent)
    sign_in(client, users[Role.SOCIAL_WORKER])
    assert client.get(reverse("imports:task", args=[task.pk])).status_code == 404

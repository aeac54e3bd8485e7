"""The figures page and its exports: period form, suppression by role, formula-safe exports, audit."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lda.audit.models import AccessLog, Action
from lda.households import services
from tests.clock import reference_today
from tests.households.helpers import author_of, make_household, orient, verified

pytestmark = pytest.mark.django_db
TODAY = reference_today()
URL = reverse("figures:table")
EXPORT = reverse("figures:export")


def one_housed(users):
    coordinator = verified(users["coordinator"])
    household = make_household(users["referent"], received_on=TODAY - timedelta(days=40))
    orient(coordinator, household, on=TODAY - timedelta(days=30))
    household.refresh_from_db()
    services.leave_list(household, author_of(coordinator), TODAY - timedelta(days=1), "housed", "social")


def period(**extra):
    return {"du": (TODAY - timedelta(days=100)).isoformat(), "au": TODAY.isoformat(), **extra}


def test_defaults_to_the_current_calendar_year(client_for):
    response = client_for("coordinator").get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data["du"] == TODAY.replace(month=1, day=1)
    assert form.cleaned_data["au"] == TODAY.replace(month=12, day=31)
    content = response.content.decode()
    assert "<caption" in content and 'scope="row"' in content and 'scope="col"' in content


def test_coordinator_sees_every_count(client_for, users, django_assert_max_num_queries):
    one_housed(users)
    client = client_for("coordinator")
    with django_assert_max_num_queries(20):
        response = client.get(URL, period())
    table = response.context["table"]
    assert not table.suppressed
    assert table.housed.total == 1 and table.housed.count("social") == 1
    assert "masqués" not in response.content.decode()


@pytest.mark.parametrize("role", ["state_agent", "observer"])
def test_roles_that_may_not_see_names_get_suppressed_counts(client_for, users, role):
    one_housed(users)
    response = client_for(role).get(URL, period())
    table = response.context["table"]
    assert table.suppressed and table.threshold == 11
    assert table.housed.total is None and table.entered is None
    content = response.content.decode()
    assert "effectifs inférieurs à 11 masqués" in content.lower()
    assert "masqué" in content


def test_threshold_follows_the_setting(client_for, users, settings):
    settings.LDA_SUPPRESSION_THRESHOLD = 20
    one_housed(users)
    table = client_for("observer").get(URL, period()).context["table"]
    assert table.threshold == 20


def test_bad_period_gets_a_french_error(client_for):
    response = client_for("coordinator").get(URL, {"du": "2026-05-01", "au": "2026-01-01"})
    assert response.status_code == 200
    assert response.context["table"] is None
    assert "La fin de la période ne peut pas précéder son début." in response.content.decode()
    future = (TODAY + timedelta(days=3)).isoformat()
    response = client_for("coordinator").get(URL, period(etat_au=future))
    assert "ne peut pas être dans le futur" in response.content.decode()


def test_as_of_reproduces_an_earlier_state(client_for, users):
    one_housed(users)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    table = client_for("coordinator").get(URL, period(etat_au=yesterday)).context["table"]
    assert table.housed.total == 0  # everything was recorded today
    assert table.as_of is not None


def test_csv_export_is_logged(client_for, users):
    one_housed(users)
    response = client_for("coordinator").get(EXPORT, period(format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "Logement social;1;" in text
    assert AccessLog.objects.filter(action=Action.EXPORT, object_type="figures_csv").exists()


def test_xlsx_export_is_suppressed_for_observers_and_has_no_formula(client_for, users):
    one_housed(users)
    response = client_for("observer").get(EXPORT, period(format="xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "masqué" in values
    assert not any(isinstance(v, int) and 0 < v < 11 for v in values)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert any("masqués" in str(v) for v in values)
    assert AccessLog.objects.filter(action=Action.EXPORT, object_type="figures_xlsx").exists()


def test_xlsx_cells_are_neutralised():
    from lda.households.figures_views import _xlsx_value

    assert _xlsx_value("=1+1") == "'=1+1"
    assert _xlsx_value("@SUM(A1)") == "'@SUM(A1)"
    assert _xlsx_value("1\u202f234") == 1234


def test_unknown_export_format_is_404(client_for):
    assert client_for("coordinator").get(EXPORT, period(format="pdf")).status_code == 404


def test_figures_only_count_the_actors_territory(client_for, users, other_territory):
    from tests.factories import user_with_role

    one_housed(users)
    from tests.conftest import sign_in

    elsewhere = user_with_role("observer", other_territory)
    client = client_for("anonymous")
    sign_in(client, elsewhere)
    table = client.get(URL, period()).context["table"]
    assert table.entered == 0 and table.housed.total == 0

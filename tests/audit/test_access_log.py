"""The access log (spec 6): one event per read, write, export, refusal and sign-in; append-only."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from lda.accounts.roles import Role
from lda.audit.models import AccessLog, AppendOnlyError
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, user_with_role

pytestmark = pytest.mark.django_db


def _events(**filters):
    return AccessLog.objects.filter(**filters)


def test_each_read_of_a_personal_record_is_one_event(users, client, territory):
    admin = users[Role.ADMIN]
    target = users[Role.REFERENT]
    sign_in(client, admin)
    url = reverse("administration:user", args=[target.pk])
    for expected in (1, 2):
        assert client.get(url).status_code == 200
        reads = _events(action="read", object_type="user", object_id=str(target.pk))
        assert reads.count() == expected
    event = reads.first()
    assert event.user_id == admin.pk
    assert event.organisation_id == admin.memberships.get().organisation_id
    assert event.territory_id == territory.pk
    assert event.route == "administration:user" and event.section == "account"
    assert event.ip == "127.0.0.1" and len(event.request_id) == 32
    assert event.at.tzinfo is not None and event.at.utcoffset().total_seconds() == 0


def test_writes_exports_refusals_and_sign_ins_are_logged(users, client, territory):
    admin = users[Role.ADMIN]
    sign_in(client, admin)
    organisation = OrganisationFactory(territory=territory)
    assert _events(action="create", object_type="organisation", object_id=str(organisation.pk)).count() == 1
    client.post(
        reverse("administration:organisation", args=[organisation.pk]),
        {
            "territory": territory.pk,
            "name": "Nouveau nom",
            "kind": organisation.kind,
            "siret": organisation.siret,
            "is_active": "on",
        },
    )
    assert (
        _events(action="update", object_type="organisation", object_id=str(organisation.pk), user_id=admin.pk).count()
        == 1
    )
    client.get(reverse("audit:export"))
    assert _events(action="export", object_type="access_log", user_id=admin.pk).count() == 1
    referent_client = client.__class__()
    sign_in(referent_client, users[Role.REFERENT])
    referent_client.get(reverse("administration:users"))
    assert _events(action="denied", user_id=users[Role.REFERENT].pk).count() == 1
    client.__class__().post(
        reverse("accounts:login"), {"email": users[Role.REFERENT].email, "password": "faux mot de passe"}
    )
    assert _events(action="login_failed", user_id=users[Role.REFERENT].pk).count() == 1


def test_the_log_never_holds_data_values(users, client, territory):
    admin = users[Role.ADMIN]
    sign_in(client, admin)
    target = user_with_role(Role.SOCIAL_WORKER, territory, first_name="Sentinelle", last_name="Zorglub")
    client.get(reverse("administration:user", args=[target.pk]))
    client.get(reverse("administration:users") + "?q=Zorglub")
    for row in AccessLog.objects.values():
        text = " ".join(str(v) for v in row.values())
        assert "Zorglub" not in text and "Sentinelle" not in text and target.email not in text


def test_the_application_cannot_modify_or_delete_the_log(users):
    event = AccessLog.objects.first() or AccessLog.objects.create(action="read", keep_until="2099-01-01T00:00Z")
    event.section = "modifié"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().update(section="x")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="le déclencheur n'existe que sur PostgreSQL")
def test_postgresql_refuses_update_and_delete_even_in_raw_sql(users):
    AccessLog.objects.create(action="read", object_type="user", object_id="1", keep_until="2099-01-01T00:00Z")
    for statement in ("UPDATE audit_accesslog SET section = 'x'", "DELETE FROM audit_accesslog"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessLog.objects.filter(object_id="1").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="le déclencheur n'existe que sur PostgreSQL")
def test_postgresql_lets_only_expired_rows_go():
    AccessLog.objects.create(action="read", object_type="user", object_id="old", keep_until="2000-01-01T00:00Z")
    AccessLog.objects.create(action="read", object_type="user", object_id="new", keep_until="2099-01-01T00:00Z")
    assert AccessLog.objects.purge_expired() == 1
    assert list(AccessLog.objects.values_list("object_id", flat=True).filter(object_type="user")) == ["new"]


def test_who_consulted_this_file(users, client):
    admin = users[Role.ADMIN]
    target = users[Role.REFERENT]
    sign_in(client, admin)
    client.get(reverse("administration:user", args=[target.pk]))
    page = client.get(reverse("audit:consultations", args=["user", target.pk]))
    assert page.status_code == 200
    assert admin.full_name in page.content.decode()
    assert "1 consultation" in page.content.decode()


def test_the_admin_sees_only_their_territorys_log(users, client, other_territory):
    foreign_admin = user_with_role(Role.ADMIN, other_territory, first_name="Étrangère")
    other = client.__class__()
    sign_in(other, foreign_admin)
    other.get(reverse("administration:users"))
    sign_in(client, users[Role.ADMIN])
    page = client.get(reverse("audit:log")).content.decode()
    assert "Étrangère" not in page


@pytest.mark.parametrize(("protected", "days"), [(False, 365), (True, 3 * 365)])
def test_events_are_kept_12_months_or_3_years_for_protected_files(protected, days):
    from lda.audit.log import record

    event = record("read", object_type="user", object_id=1, protected=protected)
    assert (event.keep_until - event.at).days == days

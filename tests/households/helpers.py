"""Building households in tests through the real services (so every rule and event applies)."""

from datetime import date, timedelta

from django.utils import timezone

from lda.households import services
from lda.households.services import Author, DecisionData, PersonData, ReferralData


def author_of(user):
    membership = user.memberships.select_related("organisation").first()
    return Author(user=user, organisation_id=membership.organisation_id)


def organisation_of(user):
    return user.memberships.select_related("organisation").first().organisation


def make_household(
    user,
    *,
    last_name="Martin",
    first_name="Léa",
    situation="street",
    received_on=None,
    persons=None,
    consent_kinds=(),
    priority_publics=(),
    summary="",
):
    """A referral received from `user`'s organisation; returns the household."""
    received_on = received_on or timezone.localdate() - timedelta(days=30)
    persons = persons or [PersonData(last_name, first_name, birth_date=date(1985, 4, 2), sex="F", is_head=True)]
    referral = services.receive_referral(
        organisation_of(user).territory,
        author_of(user),
        ReferralData(
            referrer_kind="association",
            received_on=received_on,
            summary=summary,
            situation_kind=situation,
            situation_since=received_on,
            persons=persons,
            priority_publics=list(priority_publics),
            consent_given=bool(consent_kinds),
            consent_on=received_on if consent_kinds else None,
            consent_kinds=list(consent_kinds),
        ),
    )
    return referral.household


def orient(coordinator, household, on=None, **fields):
    """The coordinator orients the household's open referral (or the household itself)."""
    referral = household.referrals.exclude(status="decided").first()
    data = DecisionData(
        decision=fields.pop("decision", "oriented"),
        decided_on=on or timezone.localdate(),
        measure=fields.pop("measure", "vial"),
        housing_search=fields.pop("housing_search", True),
        **fields,
    )
    household.refresh_from_db()
    return services.decide(household, author_of(coordinator), data, referral=referral)


def verified(user):
    """The user as after the second factor (coordinators hold no right before it)."""
    user.is_verified = lambda: True
    return user

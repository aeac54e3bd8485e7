"""Authorisation matrix rows of the housing API (tokens of each role; 401 without a token).

The matrix calls write operations without a body: a token holding the permission and reaching the
row (managing the unit, for a unit's write) gets 400 (no JSON body) or 422 (PATCH: no version), any
other 403 (permission) or 404 (row out of reach) — the permission and the row are checked before
the body is read. The objects: the landlord's unit with a proposal sent to it, for a household the
association referred and the SIAO follows; a capture by the association; a finished matching run.
"""

from django.utils import timezone

from lda.accounts.roles import Role
from lda.households.models import Household
from lda.housing import proposals, runs, services
from lda.tasks import queue
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.housing.helpers import GRENOBLE, author_of, household_on_list, make_unit, organisation_of

R = Role
NO_BODY = 400  # the test client posts an empty form, not JSON
NO_VERSION = 422  # PATCH: the body is read as empty, and `version` is required


def _api(allowed):
    return only(allowed, anonymous=401)


def _answer(roles, code):
    return _api({role: code for role in roles})


UNIT_VIEWERS = (R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD)
RULE_READERS = (R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD, R.ADMIN, R.STATE_AGENT)
CAPTURE_VIEWERS = (R.COORDINATOR, R.SOCIAL_WORKER, R.STATE_AGENT)
CAPTURE_MANAGERS = (R.COORDINATOR, R.SOCIAL_WORKER)
# The unit is the landlord's: the association neither manages nor holds it.
UNIT_WRITES = ("api:unit_make_available", "api:unit_withdraw", "api:unit_free")
PROSPECT_WRITES = (
    "api:prospect_visit",
    "api:prospect_agreement",
    "api:prospect_refusal",
    "api:prospect_open",
    "api:prospect_incentive_add",
)
PROSPECT_READS = ("api:prospect", "api:prospect_incentives")

ROWS = {
    "api:units": ("get", _answer(UNIT_VIEWERS, 200)),
    "api:unit_create": ("post", _answer((R.COORDINATOR, R.SOCIAL_WORKER, R.LANDLORD), NO_BODY)),
    "api:unit": ("get", _api({R.COORDINATOR: 200, R.REFERENT: 200, R.SOCIAL_WORKER: 404, R.LANDLORD: 200})),
    "api:unit_update": ("patch", _api({R.COORDINATOR: NO_VERSION, R.SOCIAL_WORKER: 404, R.LANDLORD: NO_VERSION})),
    **{
        name: ("post", _api({R.COORDINATOR: NO_BODY, R.SOCIAL_WORKER: 404, R.LANDLORD: NO_BODY}))
        for name in UNIT_WRITES
    },
    "api:prospects": ("get", _answer(CAPTURE_VIEWERS, 200)),
    "api:prospect_create": ("post", _answer(CAPTURE_MANAGERS, NO_BODY)),
    **{name: ("get", _api({R.COORDINATOR: 200, R.SOCIAL_WORKER: 200, R.STATE_AGENT: 404})) for name in PROSPECT_READS},
    **{name: ("post", _answer(CAPTURE_MANAGERS, NO_BODY)) for name in PROSPECT_WRITES},
    "api:capture_targets": ("get", _answer(CAPTURE_VIEWERS, 200)),
    "api:proposals_list": ("get", _answer(UNIT_VIEWERS, 200)),
    # The association referred the household, the SIAO follows it, the landlord received the proposal.
    "api:proposal": ("get", _answer(UNIT_VIEWERS, 200)),
    "api:proposal_add": ("post", _answer((R.COORDINATOR,), NO_BODY)),
    "api:unit_send_shortlist": ("post", _answer((R.COORDINATOR,), NO_BODY)),
    "api:proposal_withdraw": ("post", _answer((R.COORDINATOR,), NO_BODY)),
    "api:proposal_decide": ("post", _answer((R.COORDINATOR, R.LANDLORD), NO_BODY)),
    "api:proposal_offer": ("post", _answer((R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER), NO_BODY)),
    "api:proposal_answer": ("post", _answer((R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER), NO_BODY)),
    "api:proposal_lease": ("post", _answer((R.COORDINATOR, R.LANDLORD), NO_BODY)),
    "api:proposal_enter": ("post", _answer((R.COORDINATOR, R.LANDLORD), NO_BODY)),
    "api:run_launch": ("post", _answer((R.COORDINATOR,), NO_BODY)),
    "api:run": ("get", _answer((R.COORDINATOR,), 200)),
    "api:refusal_reasons": ("get", _answer(RULE_READERS, 200)),
    "api:scoring_grid": ("get", _answer(RULE_READERS, 200)),
    "api:matching_rules": ("get", _answer(RULE_READERS, 200)),
}

UNIT_OBJECTS = ("api:unit", "api:unit_update", *UNIT_WRITES, "api:proposal_add", "api:unit_send_shortlist")
PROPOSAL_OBJECTS = (
    "api:proposal",
    "api:proposal_withdraw",
    "api:proposal_decide",
    "api:proposal_offer",
    "api:proposal_answer",
    "api:proposal_lease",
    "api:proposal_enter",
)
PROSPECT_OBJECTS = (*PROSPECT_READS, *PROSPECT_WRITES)

# Another territory's row: 404 for a token whose role may act on such rows at home.
ELSEWHERE = {
    "api:unit": 404,
    "api:proposal": 404,
    **{name: (R.LANDLORD, 404) for name in ("api:unit_update", *UNIT_WRITES)},
    "api:proposal_add": (R.COORDINATOR, 404),
    "api:unit_send_shortlist": (R.COORDINATOR, 404),
    **{name: (R.SOCIAL_WORKER, 404) for name in PROSPECT_OBJECTS},
    "api:proposal_withdraw": (R.COORDINATOR, 404),
    "api:proposal_decide": (R.LANDLORD, 404),
    "api:proposal_offer": 404,
    "api:proposal_answer": 404,
    "api:proposal_lease": (R.LANDLORD, 404),
    "api:proposal_enter": (R.COORDINATOR, 404),
    "api:run": (R.COORDINATOR, 404),
}


def objects(territory, where, users):
    if where == territory:
        coordinator, landlord, worker = users[R.COORDINATOR], users[R.LANDLORD], users[R.SOCIAL_WORKER]
        referent = users[R.REFERENT]
    else:
        coordinator, landlord, worker, referent = (
            user_with_role(role, where) for role in (R.COORDINATOR, R.LANDLORD, R.SOCIAL_WORKER, R.REFERENT)
        )
    services.install_defaults(where)
    household = household_on_list(coordinator)
    Household.objects.filter(pk=household.pk).update(
        created_by_organisation=organisation_of(worker), referent_organisation=organisation_of(referent)
    )
    unit = make_unit(where, organisation_of(landlord))
    proposal = proposals.add_candidate(unit, household, author_of(coordinator))
    proposals.send_shortlist(unit, author_of(coordinator))
    prospect = services.create_prospect(
        where, author_of(worker), operator=organisation_of(worker), owner_label="M. Durand", address="1 rue Lesdiguières",
        commune_insee=GRENOBLE, commune_name="Grenoble", typology=2, surface=40, rent_asked=500,
        contacted_on=timezone.localdate(),
    )  # fmt: skip
    run = runs.launch(where, author_of(coordinator))
    queue.run_task(run.task, live=False)  # done: the other modules' runs may be launched
    return {
        **{name: {"unit_id": unit.pk} for name in UNIT_OBJECTS},
        **{name: {"proposal_id": proposal.pk} for name in PROPOSAL_OBJECTS},
        **{name: {"prospect_id": prospect.pk} for name in PROSPECT_OBJECTS},
        "api:run": {"run_id": run.pk},
    }

"""Matrix rows of the matching and proposal pages (lda/housing/urls.py).

Our territory gets a finished run started by the coordinator (its task page is the coordinator's
only: a task is seen by its creator), and a proposal sent to the landlord on one of its units, for
a household whose file the referent's organisation created. So:

- runs and shortlist adjustments: the coordinator only (`housing.matching.run`,
  `housing.proposals.manage`); empty POSTs come back as the form with its errors (200) or, for
  the small actions, as a message on the page they return to (302);
- the proposal: the coordinator, the referent who sees the file, the landlord whose unit it is;
  a social worker holds `housing.proposals.view` but not this household's file: 404;
- committee decision, lease and entry: the coordinator and the landlord; the offer and the answer:
  the coordinator and the referent (the social worker again 404).
"""

from lda.accounts.roles import Role
from lda.housing import proposals, runs, services
from lda.tasks import queue
from tests.access.matrix_helpers import everyone, only
from tests.factories import user_with_role
from tests.housing.helpers import author_of, household_on_list, landlord_user, make_unit, organisation_of

R = Role
COORDINATOR = {R.COORDINATOR: 200}
COORDINATOR_REDIRECT = {R.COORDINATOR: 302}
VIEW = {R.COORDINATOR: 200, R.REFERENT: 200, R.LANDLORD: 200, R.SOCIAL_WORKER: 404}
LANDLORD_SIDE = {R.COORDINATOR: 200, R.LANDLORD: 200}
HOUSEHOLD_SIDE = {R.COORDINATOR: 200, R.REFERENT: 200, R.SOCIAL_WORKER: 404}

ROWS = {
    "housing:runs": ("get", only(COORDINATOR)),
    "housing:run_launch": ("post", only(COORDINATOR)),
    "housing:run": ("get", only(COORDINATOR)),
    "housing:task": ("get", {**everyone(404), R.COORDINATOR: 200}),
    "housing:task_progress": ("get", {**everyone(404), R.COORDINATOR: 286}),
    "housing:candidate_add": ("get", only(COORDINATOR)),
    "housing:shortlist_send": ("post", only(COORDINATOR_REDIRECT)),
    "housing:proposal": ("get", only(VIEW)),
    "housing:proposal_withdraw": ("post", only(COORDINATOR_REDIRECT)),
    "housing:proposal_move_up": ("post", only(COORDINATOR_REDIRECT)),
    "housing:proposal_decide": ("post", only(LANDLORD_SIDE)),
    "housing:proposal_offer": ("post", only(HOUSEHOLD_SIDE)),
    "housing:proposal_answer": ("post", only(HOUSEHOLD_SIDE)),
    "housing:proposal_lease": ("post", only(LANDLORD_SIDE)),
    "housing:proposal_enter": ("post", only(LANDLORD_SIDE)),
}

_PROPOSAL_URLS = [name for name in ROWS if name.startswith("housing:proposal")]
_OBJECT_URLS = [*_PROPOSAL_URLS, "housing:run", "housing:candidate_add", "housing:shortlist_send"]
# Another territory's run, unit or proposal: 404 to the coordinator (who may act on them at home).
ELSEWHERE = {
    **{name: (R.COORDINATOR, 404) for name in _OBJECT_URLS},
    "housing:task": (R.COORDINATOR, 404),
    "housing:task_progress": (R.COORDINATOR, 404),
}


def objects(territory, where, users):
    if where == territory:
        coordinator, landlord, referent = users[R.COORDINATOR], users[R.LANDLORD], users[R.REFERENT]
    else:
        coordinator = user_with_role(R.COORDINATOR, where)
        landlord = landlord_user(where)
        referent = user_with_role(R.REFERENT, where)
    services.install_defaults(where)
    c = author_of(coordinator)
    unit = make_unit(where, organisation_of(landlord))
    proposal = proposals.add_candidate(unit, household_on_list(referent), c)
    proposals.send_shortlist(unit, c)
    run = runs.launch(where, c)
    queue.run_task(run.task, live=False)
    return {
        "housing:run": {"pk": run.pk},
        "housing:task": {"pk": run.task_id},
        "housing:task_progress": {"pk": run.task_id},
        "housing:candidate_add": {"pk": unit.pk},
        "housing:shortlist_send": {"pk": unit.pk},
        **{name: {"pk": proposal.pk} for name in _PROPOSAL_URLS},
    }

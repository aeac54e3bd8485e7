"""Matrix rows of the by-name list's pages (lda/households/urls.py)."""

from lda.accounts.roles import Role
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import make_household

R = Role
VIEW = {R.COORDINATOR: 200, R.REFERENT: 200, R.SOCIAL_WORKER: 200}
VIEW_POST = {R.COORDINATOR: 302, R.REFERENT: 302, R.SOCIAL_WORKER: 302}
REFER = {**VIEW, R.LANDLORD: 200, R.PREVENTION_AGENT: 200}
# Landlords and prevention agents may refer a household but not open an existing file.
REFER_EXISTING = {**VIEW, R.LANDLORD: 404, R.PREVENTION_AGENT: 404}
COORDINATOR = {R.COORDINATOR: 200}
EXIT = {R.COORDINATOR: 200, R.REFERENT: 200}

ROWS = {
    "households:list": ("get", only(VIEW)),
    "households:export": ("get", only(VIEW)),
    "households:caseload": ("get", only({R.REFERENT: 200, R.SOCIAL_WORKER: 200})),
    "households:referrals": ("get", only(COORDINATOR)),
    "households:referral_create": ("get", only(REFER)),
    "households:referral_sent": ("get", only(REFER)),
    "households:referral": ("get", only(COORDINATOR)),
    "households:referral_study": ("post", only({R.COORDINATOR: 302})),
    "households:detail": ("get", only(VIEW)),
    "households:edit": ("get", only(VIEW)),
    "households:situation_add": ("get", only(VIEW)),
    "households:person_add": ("get", only(VIEW)),
    "households:need": ("get", only(VIEW)),
    "households:resource_add": ("get", only(VIEW)),
    "households:contact": ("get", only(VIEW)),
    "households:contact_today": ("post", only(VIEW_POST)),
    "households:exit": ("get", only(EXIT)),
    "households:return": ("get", only(EXIT)),
    "households:referral_existing": ("get", only(REFER_EXISTING)),
    "households:orient": ("get", only(COORDINATOR)),
}

_OBJECT_URLS = [
    name
    for name in ROWS
    if name.split(":")[1]
    in {
        "detail",
        "edit",
        "situation_add",
        "person_add",
        "need",
        "resource_add",
        "contact",
        "contact_today",
        "exit",
        "return",
        "referral_existing",
        "orient",
    }
]
ELSEWHERE = {
    **{name: (R.COORDINATOR, 404) for name in _OBJECT_URLS},
    "households:referral": (R.COORDINATOR, 404),
    "households:referral_study": (R.COORDINATOR, 404),
}


def objects(territory, where, users):
    """A household referred by our referent's SIAO, accompanied with consent by our association."""
    if where == territory:
        author = users[R.REFERENT]
        association = users[R.SOCIAL_WORKER].memberships.get().organisation
    else:
        author = user_with_role(R.REFERENT, where)
        association = None
    household = make_household(author, consent_kinds=["association"])
    if association is not None:
        type(household).objects.filter(pk=household.pk).update(accompanying_organisation=association)
    referral = household.referrals.get()
    return {
        **{name: {"pk": household.pk} for name in _OBJECT_URLS},
        "households:referral": {"pk": referral.pk},
        "households:referral_study": {"pk": referral.pk},
    }

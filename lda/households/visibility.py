"""Who sees what of a household (spec 6), as a pure function of the actor and the file's facts.

`access()` answers for one household; `scopes.py` says the same in SQL for lists. The tests check
that both agree. Reasons to see a file, in order:

- the territory's coordinator sees every file of the territory, sensitive sections included;
- a referent or social worker of the organisation that created the file or of the pathway referent
  organisation sees it; of the accompanying organisation, only if the household consented to
  sharing with that kind of partner;
- sensitive sections (health, violence, legal status, free text…) only for the coordinator and the
  social workers of the referent and the accompanying organisation;
- a protected file's whereabouts only for the people named on it;
- a person's restriction or opposition (`rights_blocks` holding `sharing`) suspends the consent:
  the accompanying organisation then sees the file no more than without consent.
"""

from dataclasses import dataclass

from lda.access.policy import Actor
from lda.accounts.roles import Role
from lda.households.codes import RightsEffect

FILE_ROLES = frozenset({Role.REFERENT, Role.SOCIAL_WORKER})


@dataclass(frozen=True)
class FileFacts:
    territory_id: int
    created_by_organisation_id: int
    referent_organisation_id: int | None
    accompanying_organisation_id: int | None
    consent_given: bool
    consent_kinds: tuple[str, ...]
    protected: bool
    protected_viewer_ids: frozenset[int] = frozenset()
    rights_blocks: tuple[str, ...] = ()

    @classmethod
    def of(cls, household, protected_viewer_ids=frozenset()) -> "FileFacts":
        return cls(
            territory_id=household.territory_id,
            created_by_organisation_id=household.created_by_organisation_id,
            referent_organisation_id=household.referent_organisation_id,
            accompanying_organisation_id=household.accompanying_organisation_id,
            consent_given=household.consent_given,
            consent_kinds=tuple(household.consent_kinds or ()),
            protected=household.protected,
            protected_viewer_ids=frozenset(protected_viewer_ids),
            rights_blocks=tuple(household.rights_blocks or ()),
        )


@dataclass(frozen=True)
class Access:
    file: bool = False  # names, composition, situation, pathway
    sensitive: bool = False  # the second gate
    whereabouts: bool = False  # address; for protected files, named people only

    @property
    def none(self) -> bool:
        return not self.file


NO_ACCESS = Access()


def access(actor: Actor, facts: FileFacts, organisation_kinds: dict[int, str]) -> Access:
    """`organisation_kinds` maps the actor's organisations to their kind (for consent)."""
    sees_file = sees_sensitive = False
    for grant in actor.grants:
        if grant.territory_id != facts.territory_id:
            continue
        if grant.role == Role.COORDINATOR:
            sees_file = sees_sensitive = True
        elif grant.role in FILE_ROLES:
            org = grant.organisation_id
            consented = (
                facts.consent_given
                and organisation_kinds.get(org) in facts.consent_kinds
                and RightsEffect.SHARING not in facts.rights_blocks
            )
            if org in (facts.created_by_organisation_id, facts.referent_organisation_id):
                sees_file = True
            if org == facts.accompanying_organisation_id and consented:
                sees_file = True
            if org == facts.referent_organisation_id or (org == facts.accompanying_organisation_id and consented):
                sees_sensitive = True
    if not sees_file:
        return NO_ACCESS
    if facts.protected:
        whereabouts = actor.user_id is not None and actor.user_id in facts.protected_viewer_ids
    else:
        whereabouts = True
    return Access(file=True, sensitive=sees_sensitive, whereabouts=whereabouts)

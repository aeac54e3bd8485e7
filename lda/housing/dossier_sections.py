"""The housing part of the rights export (lda/households/dossier.py): the household's demand
profile and the proposals made for it, in a fixed number of queries."""

from lda.households.dossier import SECTIONS, Item, Section, items_of
from lda.housing.models import Proposal

PROPOSAL_FIELDS = (
    "status",
    "rank",
    "score",
    "priority",
    "sent_on",
    "committee_on",
    "offered_on",
    "answered_on",
    "lease_signed_on",
    "entered_on",
    "closed_on",
)


def housing_sections(household) -> list[Section]:
    proposals = (
        Proposal.objects.filter(household=household)
        .select_related("unit", "refusal_reason")
        .order_by("created_at", "pk")
    )
    return [
        Section(
            "propositions",
            "Propositions de logement",
            [
                [
                    Item("unit", "Logement", f"{p.unit.reference} — {p.unit.commune_name}"),
                    *items_of(p, PROPOSAL_FIELDS),
                    Item("refusal_reason", "Motif de refus", str(p.refusal_reason) if p.refusal_reason else "—"),
                ]
                for p in proposals
            ],
        )
    ]


SECTIONS.append(housing_sections)

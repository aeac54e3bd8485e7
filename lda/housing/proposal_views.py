"""The proposal page and its life-cycle actions (spec 3): committee decision, offer to the
household, the household's answer, lease and entry.

Who reads what (spec 6):
- the territory's coordinator, and the referents and social workers who see the household's file,
  read the explanation (tier, constraints, score term by term with the grid version, affordability,
  the best alternative); criteria revealing a sensitive category are masked unless the viewer
  passes the file's second gate;
- anyone else reaching the proposal — a landlord or reservation holder, through
  `scopes.landlord_proposal_filter` — reads the allocation data only: the household's reference,
  composition, resources and housing benefit, affordability, priority tier, the committee's and
  the lease's steps. Never a name, the social file, the score terms or the alternative.

Every read is logged. Actions need their permission and the proposal within reach (else 404);
the committee's decision, the lease and the entry also need the unit's landlord or the territory's
coordinator (else 403: a reservation holder follows them, it does not record them);
the services decide (life cycle, dates, one holder per unit) and their refusals come back French
on the page, nothing half-saved.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404
from lda.audit.log import record_read
from lda.audit.views import CONSULTABLE
from lda.households.scopes import coordinator_territories
from lda.households.views import file_access
from lda.housing import adapter, codes, explanations, lifecycle, proposals
from lda.housing.acting import author_in, run
from lda.housing.models import Proposal, ProposalEvent, RefusalReason
from lda.housing.proposal_forms import AnswerForm, DecideForm, EnterForm, LeaseForm, OfferForm
from lda.housing.supply_access import manages

P = codes.ProposalStatus

CONSULTABLE["proposal"] = lambda viewer, pk: get_or_404(viewer, Proposal.objects.all(), pk=pk)

# action: (permission, form, life-cycle transition, success message)
ACTIONS = {
    "decide": ("housing.proposals.decide", DecideForm, "decide", "La décision de la commission est enregistrée."),
    "offer": ("housing.proposals.answer", OfferForm, "offer", "La proposition au ménage est enregistrée."),
    "answer": ("housing.proposals.answer", AnswerForm, "answer", "La réponse du ménage est enregistrée."),
    "lease": ("housing.proposals.lease", LeaseForm, "lease", "La signature du bail est enregistrée."),
    "enter": ("housing.proposals.lease", EnterForm, "enter", "L'entrée dans le logement est enregistrée."),
}
# The committee, the lease and the entry are the landlord's acts: a reservation holder reaching the
# proposal through its contingent designates candidates and follows them, it records none of these.
LANDLORD_ACTS = frozenset({"decide", "lease", "enter"})
# action: (section title, button)
ACTION_TEXTS = {
    "decide": ("Décision de la commission d'attribution", "Enregistrer la décision"),
    "offer": ("Proposition du logement au ménage", "Enregistrer la proposition au ménage"),
    "answer": ("Réponse du ménage", "Enregistrer la réponse"),
    "lease": ("Signature du bail", "Enregistrer la signature du bail"),
    "enter": ("Entrée dans le logement", "Enregistrer l'entrée"),
}
EVENT_LABELS = {
    "add": "Ajoutée à la liste par la coordination",
    **{action: t.label[0].upper() + t.label[1:] for action, t in lifecycle.PROPOSAL_TRANSITIONS.items()},
}


def _proposal(request, pk) -> Proposal:
    return get_or_404(
        request.user,
        Proposal.objects.select_related("unit", "household", "refusal_reason", "run", "grid"),
        pk=pk,
    )


def _may(actor, proposal, action) -> bool:
    """The action's permission, and for the landlord's acts: the territory's coordinator or the
    unit's landlord (or manager)."""
    return actor.has(ACTIONS[action][0]) and (action not in LANDLORD_ACTS or manages(actor, proposal.unit))


def _reason_id(value):
    return int(value) if value and str(value).isdigit() else None


def _write(action, proposal, author, data):
    version = data["version"]
    if action == "decide":
        return proposals.decide(
            proposal,
            author,
            data["decision"],
            data["committee_on"],
            committee_rank=data["committee_rank"],
            refusal_reason=_reason_id(data["refusal_reason"]),
            expected_version=version,
        )
    if action == "offer":
        return proposals.offer(proposal, author, data["offered_on"], expected_version=version)
    if action == "answer":
        return proposals.answer(
            proposal,
            author,
            data["answer"] == "accepted",
            data["answered_on"],
            refusal_reason=_reason_id(data["refusal_reason"]),
            expected_version=version,
        )
    if action == "lease":
        return proposals.sign_lease(proposal, author, data["lease_signed_on"], expected_version=version)
    return proposals.enter(proposal, author, data["entered_on"], expected_version=version)


def _form(action, proposal, reasons, data=None):
    _, form_class, _, _ = ACTIONS[action]
    kwargs = {"prefix": action, "initial": {"version": proposal.version}}
    if action == "decide":
        kwargs["reasons"] = [r for r in reasons if r.is_active and r.side != codes.RefusalSide.HOUSEHOLD]
    elif action == "answer":
        kwargs["reasons"] = [r for r in reasons if r.is_active and r.side == codes.RefusalSide.HOUSEHOLD]
    return form_class(data, **kwargs)


def _events(proposal, reasons, full: bool) -> list[dict]:
    """The history; a landlord reads which organisation acted, never who."""
    labels = {r.code: r.label for r in reasons}
    rows = []
    for e in ProposalEvent.objects.filter(proposal=proposal).select_related("user", "organisation"):
        detail = []
        if e.payload.get("rank"):
            detail.append(f"rang {e.payload['rank']}")
        reason = e.payload.get("reason")
        if reason and (full or e.payload.get("accepted") is None):
            detail.append("nouveau rapprochement" if reason == "nouveau_rapprochement" else labels.get(reason, reason))
        if full and e.payload.get("overridden"):
            detail.append("hors des souhaits du ménage, avec justification")
        by = [e.organisation.name] if e.organisation else []
        if full and e.user:
            by.insert(0, e.user.full_name)
        rows.append(
            {
                "on": e.occurred_on,
                "label": EVENT_LABELS.get(e.action, e.action),
                "status": e.get_status_to_display(),
                "detail": ", ".join(detail),
                "by": ", ".join(by),
            }
        )
    return rows


def _page(request, proposal, bound=None, status=200):
    """The page; `bound` = (action, form) re-shown with its errors after a refused POST."""
    actor = actor_for(request.user)
    household, unit = proposal.household, proposal.unit
    record_read(request, proposal, section="proposition", protected=household.protected)
    coordinator = proposal.territory_id in coordinator_territories(actor)
    file = file_access(request, household)
    full = coordinator or file.file
    reasons = list(RefusalReason.objects.filter(territory_id=proposal.territory_id))
    record = adapter.engine_households(proposal.territory_id, timezone.localdate(), [household.pk])[0]
    explanation = proposal.explanation or {}
    figures = explanations.figures(explanation.get("affordability"))
    if figures is None:
        rules = adapter.current_rules(proposal.territory_id)
        figures = explanations.live_figures(record, unit, rules) if rules else None
    forms = {}
    for action, (_, _, transition, _) in ACTIONS.items():
        if _may(actor, proposal, action) and lifecycle.proposal_allowed(proposal.status, transition):
            forms[action] = _form(action, proposal, reasons)
    if bound is not None:
        forms[bound[0]] = bound[1]
    refusal = proposal.refusal_reason
    context = {
        "proposal": proposal,
        "unit": unit,
        "household": household,
        "full": full,
        "file_visible": file.file,
        "record": record,
        "figures": figures,
        "tier": explanations.TIER_SHORT.get(proposal.priority, proposal.priority),
        "tier_label": explanations.tier_label(proposal.priority),
        "explanation": explanations.present(explanation, explanations.hidden_criteria(coordinator or file.sensitive))
        if full
        else None,
        # A landlord reads its own side's refusals, not the household's reasons.
        "refusal": refusal if refusal and (full or refusal.side != codes.RefusalSide.HOUSEHOLD) else None,
        "events": _events(proposal, reasons, full),
        "actions": [(action, *ACTION_TEXTS[action], form) for action, form in forms.items()],
        "may_withdraw": actor.has("housing.proposals.manage")
        and coordinator
        and lifecycle.proposal_allowed(proposal.status, "withdraw"),
        "consultations": full and actor.has("audit.consultations"),
    }
    return render(request, "housing/proposals/detail.html", context, status=status)


@permission("housing.proposals.view")
def proposal_detail(request, pk):
    return _page(request, _proposal(request, pk))


def _act(request, pk, action):
    proposal = _proposal(request, pk)
    permission_name, _, _, success = ACTIONS[action]
    if not _may(actor_for(request.user), proposal, action):
        raise PermissionDenied("Seuls la coordination et le bailleur du logement enregistrent cette étape.")
    reasons = list(RefusalReason.objects.filter(territory_id=proposal.territory_id))
    form = _form(action, proposal, reasons, request.POST)
    author = author_in(request, proposal.territory_id, permission_name)
    if form.is_valid() and run(form, lambda: _write(action, proposal, author, form.cleaned_data)):
        messages.success(request, success)
        return redirect("housing:proposal", pk=proposal.pk)
    proposal.refresh_from_db()
    return _page(request, proposal, bound=(action, form))


@require_POST
@permission("housing.proposals.decide")
def proposal_decide(request, pk):
    return _act(request, pk, "decide")


@require_POST
@permission("housing.proposals.answer")
def proposal_offer(request, pk):
    return _act(request, pk, "offer")


@require_POST
@permission("housing.proposals.answer")
def proposal_answer(request, pk):
    return _act(request, pk, "answer")


@require_POST
@permission("housing.proposals.lease")
def proposal_lease(request, pk):
    return _act(request, pk, "lease")


@require_POST
@permission("housing.proposals.lease")
def proposal_enter(request, pk):
    return _act(request, pk, "enter")

"""The coordinator's matching pages: the runs of the territory and the launch of a new one (in the
background: the generic task page shows its progress), a run's figures and fairness report, and
the shortlists to adjust (withdraw, move up, add by hand) and send to the landlord.

Runs: `housing.matching.run` and the run's territory (`scopes.py`), else 404. Adjusting and
sending shortlists: `housing.proposals.manage` and the proposal or unit within reach, else 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404, scope
from lda.accounts.models import Territory
from lda.core.forms import apply_errors
from lda.households import codes as hcodes
from lda.households.models import Household
from lda.housing import codes, explanations, proposals, runs
from lda.housing.acting import REFUSALS, author_in, refusal_text, safe_next
from lda.housing.models import MatchingRun, Proposal, Unit
from lda.housing.proposal_forms import CandidateForm, LaunchForm

RUNS_PER_PAGE = 20
UNITS_PER_PAGE = 20
P = codes.ProposalStatus
TIMING_LABELS = {
    "read": "Lecture des ménages et des logements",
    "candidates": "Paires possibles",
    "solve": "Répartition",
    "shortlists": "Listes de candidats",
    "total": "Calcul complet",
    "all": "Au total, écritures comprises",
}


def _territories(request):
    return list(Territory.objects.filter(pk__in=actor_for(request.user).territories("housing.matching.run")))


def _runs_page(request, form, status=200):
    rows = scope(request.user, MatchingRun.objects.select_related("task", "launched_by", "territory")).defer(
        "task__input_file"
    )
    page = Paginator(rows.order_by("-launched_at", "-pk"), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    entries = [
        {
            "run": r,
            "state": r.state,
            "state_label": codes.RunStatus(r.state).label,
            "households": (r.stats or {}).get("households"),
            "units": (r.stats or {}).get("units"),
            "proposals": (r.stats or {}).get("proposals"),
        }
        for r in page
    ]
    context = {"page": page, "entries": entries, "form": form}
    return render(request, "housing/matching/runs.html", context, status=status)


@permission("housing.matching.run")
def run_list(request):
    return _runs_page(request, LaunchForm(territories=_territories(request)))


@require_POST
@permission("housing.matching.run")
def run_launch(request):
    """Queues a run and sends the coordinator to its progress page (which links to the run)."""
    form = LaunchForm(request.POST, territories=_territories(request))
    if form.is_valid():
        territory = Territory.objects.get(pk=form.cleaned_data["territory"])
        try:
            run = runs.launch(territory, author_in(request, territory.pk, "housing.matching.run"))
        except ValidationError as error:
            apply_errors(form, error)
        except runs.RunUnderWay as error:
            form.add_error(None, str(error))
        else:
            return redirect("housing:task", pk=run.task_id)
    return _runs_page(request, form)


# --- a run and its shortlists ----------------------------------------------------------------------


def shortlist_units(run):
    """The units of a run's shortlists: those it proposed, and the candidates added by hand since."""
    since = Q(run=run) | Q(run__isnull=True, territory_id=run.territory_id, created_at__gte=run.launched_at)
    return Unit.objects.filter(pk__in=Proposal.objects.filter(since).values("unit_id")), since


def _shortlists(page_units, since):
    """Each unit of the page with its candidates, open proposals first (two queries in all)."""
    closed = Case(
        When(status__in=list(codes.CLOSED_PROPOSAL), then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    rows = (
        Proposal.objects.filter(since, unit__in=[u.pk for u in page_units])
        .select_related("household")
        .only("unit_id", "rank", "status", "score", "priority", "version", "household__reference")
        .order_by(closed, "rank", "pk")
    )
    by_unit = {u.pk: [] for u in page_units}
    for p in rows:
        by_unit[p.unit_id].append(p)
    return [
        {
            "unit": u,
            "candidates": by_unit[u.pk],
            "unsent": [p for p in by_unit[u.pk] if p.status == P.CANDIDATE],
            "open": sum(1 for p in by_unit[u.pk] if p.status in codes.ACTIVE_PROPOSAL),
        }
        for u in page_units
    ]


def _groups(rows):
    return [{**g, "share": round(100 * g["placed"] / g["eligible"]) if g.get("eligible") else None} for g in rows]


@permission("housing.matching.run")
def run_detail(request, pk):
    run = get_or_404(request.user, MatchingRun.objects.select_related("task", "grid", "rules", "launched_by"), pk=pk)
    units, since = shortlist_units(run)
    page = Paginator(units.order_by("reference", "pk"), UNITS_PER_PAGE).get_page(request.GET.get("page"))
    stats, fairness = run.stats or {}, run.fairness or {}
    context = {
        "run": run,
        "state": run.state,
        "stats": stats,
        "placed_by_tier": [(explanations.tier_label(t), n) for t, n in (stats.get("placed_by_tier") or {}).items()],
        "seconds": [(TIMING_LABELS.get(k, k), v) for k, v in (stats.get("seconds") or {}).items()],
        "wish_ranks": list((stats.get("wish_ranks") or {}).items()),
        "fairness": fairness,
        "by_tier": _groups(fairness.get("by_tier") or []),
        "by_sex": [
            {**g, "label": explanations.SEX_LABELS.get(g["label"], g["label"])}
            for g in _groups(fairness.get("by_sex") or [])
        ],
        "by_family": [
            {**g, "label": explanations.FAMILY_LABELS.get(g["label"], g["label"])}
            for g in _groups(fairness.get("by_family") or [])
        ],
        "blocking_by_tier": [
            (explanations.tier_label(t), n) for t, n in (fairness.get("blocking_by_tier") or {}).items()
        ],
        "page": page,
        "shortlists": _shortlists(list(page.object_list), since),
        "tiers": explanations.TIER_SHORT,
        "here": request.get_full_path(),
        "shortlist": proposals.SHORTLIST,
    }
    return render(request, "housing/matching/run.html", context)


# --- adjusting a shortlist -------------------------------------------------------------------------


def _proposal_action(request, pk, write, success):
    proposal = get_or_404(request.user, Proposal.objects.select_related("unit", "household"), pk=pk)
    author = author_in(request, proposal.territory_id, "housing.proposals.manage")
    try:
        write(proposal, author)
    except (*REFUSALS, ValidationError) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, success(proposal))
    return redirect(safe_next(request, reverse("housing:proposal", args=[proposal.pk])))


@require_POST
@permission("housing.proposals.manage")
def proposal_withdraw(request, pk):
    return _proposal_action(
        request,
        pk,
        lambda p, a: proposals.withdraw(p, a, expected_version=_version(request)),
        lambda p: f"La candidature du ménage {p.household.reference} est retirée.",
    )


@require_POST
@permission("housing.proposals.manage")
def proposal_move_up(request, pk):
    return _proposal_action(
        request,
        pk,
        lambda p, a: proposals.move_up(p, a),
        lambda p: f"La candidature du ménage {p.household.reference} monte d'un rang.",
    )


def _version(request):
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _unit(request, pk) -> Unit:
    return get_or_404(request.user, Unit.objects.all(), pk=pk)


@require_POST
@permission("housing.proposals.manage")
def shortlist_send(request, pk):
    unit = _unit(request, pk)
    try:
        sent = proposals.send_shortlist(unit, author_in(request, unit.territory_id, "housing.proposals.manage"))
    except (*REFUSALS, ValidationError) as error:
        messages.error(request, refusal_text(error))
    else:
        plural = "s" if sent > 1 else ""
        messages.success(
            request, f"{sent} candidature{plural} transmise{plural} au bailleur pour le logement {unit.reference}."
        )
    return redirect(safe_next(request, reverse("housing:runs")))


@permission("housing.proposals.manage")
def candidate_add(request, pk):
    """Adds a household to the unit's shortlist by its reference. The hard constraints hold; when
    the unit lies outside the household's wishes the service asks why, and the field appears."""
    unit = _unit(request, pk)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    with_justification = "justification" in request.POST
    form = CandidateForm(request.POST or None, with_justification=with_justification)
    if request.method == "POST" and form.is_valid():
        household = (
            scope(request.user, Household.objects.filter(territory_id=unit.territory_id))
            .filter(reference__iexact=form.cleaned_data["household"].strip())
            .exclude(status=hcodes.HouseholdStatus.MERGED)
            .first()
        )
        if household is None:
            form.add_error("household", "Aucun ménage de ce territoire n'a cette référence.")
        else:
            author = author_in(request, unit.territory_id, "housing.proposals.manage")
            try:
                proposals.add_candidate(unit, household, author, form.cleaned_data.get("justification", ""))
            except REFUSALS as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                if "justification" in getattr(error, "error_dict", {}) and "justification" not in form.fields:
                    # The wishes would be gone past: the justification field appears, with why.
                    form = CandidateForm(request.POST, with_justification=True)
                    form.is_valid()
                apply_errors(form, error)
            else:
                messages.success(
                    request, f"Le ménage {household.reference} est ajouté aux candidats du logement {unit.reference}."
                )
                return redirect(safe_next(request, reverse("housing:runs")))
    context = {"unit": unit, "form": form, "next": back}
    return render(request, "housing/matching/candidate.html", context)

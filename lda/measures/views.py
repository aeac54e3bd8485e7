"""Pages of accompaniment measures (spec 2): the list, the operator's caseload, the coordinator's
queue of contracts to activate, the measure page, the contract download and the life-cycle actions.

Views parse, ask the policy, call `services`, render. Who may do what:

- reading a measure: `measures.view` and the measure's scope (`lda/measures/scopes.py`), else 404;
- operator actions (contract, sending, entry, reviews, renewal requests, end, abandonment,
  referent): `measures.operate` and the measure run by one of the user's organisations, else 404;
- activation and sending back: `measures.activate` in the measure's territory, else 404;
- renewal opinions: `measures.approve` and an approval the measure's type names that the user may
  give (`services.approver_codes`), else 403.

Which pieces of a measure each viewer sees is `visibility.access` (one rule, asked by every page
here, the API and the e-mails): the head of household's names only for the measure's team (the
coordinator, the operator's staff) and whoever sees the household file — an approver reaching the
measure through a pending renewal sees its reference and what the decision needs, never a name;
the operator's working material — review obstacles, the signed documents, approval comments — only
for the team: a referent who reaches the measure through the household's file sees the measure's
dates and decisions, not those.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from lda.access.decorators import permission
from lda.access.policy import PERMISSIONS, actor_for, can, get_or_404, scope
from lda.accounts.models import Organisation
from lda.audit.log import record_read, record_refusal
from lda.audit.views import CONSULTABLE
from lda.core.forms import apply_errors
from lda.households.models import Household, Person
from lda.households.services import Author
from lda.households.views import file_access
from lda.measures import activity, codes, forms, lifecycle, rules, services, visibility
from lda.measures.models import (
    Alert,
    Measure,
    MeasureDocument,
    MeasureEvent,
    MeasureEventKind,
    MeasureType,
    Outcome,
    RenewalApproval,
    RenewalRequest,
    Review,
    StaffMember,
)
from lda.measures.visibility import comment_visible, operates

PAGE_SIZE = 50
S = codes.MeasureStatus
REQUESTED = codes.RenewalStatus.REQUESTED

# "Who consulted this measure" (the page's reads are logged with object type "measure").
CONSULTABLE["measure"] = lambda viewer, pk: get_or_404(viewer, Measure.objects.all(), pk=pk)


# --- who acts, and on which measure --------------------------------------------------------------


# Outcomes that reveal a health category (spec 6): behind the household's second gate.
SENSITIVE_OUTCOMES = [codes.OutcomeKind.HEALTH, codes.OutcomeKind.MENTAL_HEALTH]


def is_coordinator(actor, measure) -> bool:
    return measure.territory_id in actor.territories("measures.activate")


def _author(request, measure, permission_name: str) -> Author:
    """The user and the organisation they act for on this measure (the operator for its staff)."""
    actor = actor_for(request.user)
    allowed = PERMISSIONS[permission_name]
    organisations = [
        g.organisation_id for g in actor.grants if g.territory_id == measure.territory_id and g.role in allowed
    ]
    if measure.operator_id in organisations:
        return Author(user=request.user, organisation_id=measure.operator_id)
    return Author(user=request.user, organisation_id=organisations[0] if organisations else actor.organisation_id)


def _measures():
    return Measure.objects.select_related("household", "type_version__measure_type", "operator", "referent")


def _measure(request, pk) -> Measure:
    return get_or_404(request.user, _measures(), pk=pk)


def _out_of_reach(request, pk):
    record_refusal(request, object_type="measure", object_id=str(pk))
    return Http404()


def _operated(request, pk) -> Measure:
    """A measure run by one of the user's organisations; 404 for anyone else's."""
    measure = _measure(request, pk)
    if not operates(actor_for(request.user), measure):
        raise _out_of_reach(request, pk)
    return measure


def _coordinated(request, pk) -> Measure:
    """A measure of a territory where the user is the coordinator; 404 elsewhere."""
    measure = _measure(request, pk)
    if not is_coordinator(actor_for(request.user), measure):
        raise _out_of_reach(request, pk)
    return measure


def _heads():
    return Person.objects.filter(is_head=True, merged_into__isnull=True).only("household_id", "first_name", "last_name")


def heads_prefetch(prefix="household__"):
    return Prefetch(f"{prefix}persons", queryset=_heads(), to_attr="heads")


def head_label(household) -> str:
    """ "NAME First name" of the household's head (prefetched as `heads` on lists). Ask
    `visible_head` instead wherever the viewer may not see the names."""
    heads = getattr(household, "heads", None)
    if heads is None:
        heads = list(_heads().filter(household=household)[:1])
    return f"{heads[0].last_name.upper()} {heads[0].first_name}" if heads else ""


def visible_head(actor, measure, pieces=None) -> str:
    """The head's label if the viewer sees the measure's names (`visibility.access(...).names`), else ""."""
    pieces = pieces if pieces is not None else visibility.of(actor, measure)
    return head_label(measure.household) if pieces.names else ""


# --- what needs attention ------------------------------------------------------------------------


def engine_prefetch() -> list[Prefetch]:
    """What the engine needs of each measure of a list: held reviews and granted renewals (two
    queries for the whole page, whatever the number of measures)."""
    return [
        Prefetch("reviews", queryset=Review.objects.only("measure_id", "month"), to_attr="held_reviews"),
        Prefetch(
            "renewals",
            queryset=RenewalRequest.objects.filter(status=codes.RenewalStatus.APPROVED)
            .only("measure_id", "months", "derogation", "decided_on")
            .order_by("decided_on", "pk"),
            to_attr="granted_renewals",
        ),
    ]


def prefetched_facts(measure) -> rules.MeasureFacts:
    """`services.facts_of`, from the rows `engine_prefetch` loaded."""
    return rules.MeasureFacts(
        activated_on=measure.activated_on,
        housing_entry_on=measure.housing_entry_on,
        renewals=tuple(rules.Renewal(r.months, r.derogation) for r in measure.granted_renewals),
        reviews_held=tuple(r.month for r in measure.held_reviews),
        ended_on=measure.ended_on,
    )


def attention(measure, facts, today, renewal_waiting=False, todo=True) -> list[str]:
    """What a measure calls for, in words (never colour alone): the engine's alerts of the day
    (`rules.alerts_due`), an end date passed, and the next step before activation."""
    flags = []
    if todo and measure.status == S.ORIENTED:
        flags.append("Contrat à enregistrer")
    elif todo and measure.status == S.SIGNED:
        flags.append("Contrat à transmettre à la coordination")
    elif todo and measure.status == S.SENT:
        flags.append("En attente d'activation par la coordination")
    if measure.status == S.ACTIVE:
        type_rules = measure.rules
        for alert in rules.alerts_due(type_rules, facts, today):
            day = f"{alert.due_on:%d/%m/%Y}"
            if alert.kind == "review_overdue":
                flags.append(f"Bilan en retard (prévu le {day})")
            elif alert.kind == "review_due":
                review = rules.next_review(type_rules, facts, today)
                informal = " informel" if review is not None and review.informal else ""
                flags.append(f"Bilan{informal} à faire d'ici le {day}")
            elif alert.kind == "end_approaching":
                flags.append(f"Fin prévue le {day}, dans moins de 30 jours")
            elif alert.kind == "pre_housing_exceeded":
                flags.append(f"Entrée dans le logement attendue depuis le {day}")
        end = rules.end_on(type_rules, facts)
        if end is not None and end < today:
            flags.append(f"Fin prévue dépassée (le {end:%d/%m/%Y}) : terminer ou renouveler")
    if renewal_waiting:
        flags.append("Renouvellement en attente d'accord")
    return flags


# --- the list ------------------------------------------------------------------------------------


def _filters(request):
    types = MeasureType.objects.for_user(request.user).order_by("name").values_list("pk", "name")
    visible = scope(request.user, Measure.objects.all()).values("operator_id")
    operators = Organisation.objects.filter(pk__in=visible).order_by("name").values_list("pk", "name")
    return forms.ListFilterForm(request.GET or None, types=list(types), operators=list(operators))


@permission("measures.view")
def measure_list(request):
    """The coordinator: every measure of the territory; an operator: its own; a referent: those of
    the households it follows (the measure's scope decides)."""
    form = _filters(request)
    data = form.cleaned_data if form.is_valid() else {}
    rows = scope(request.user, Measure.objects.all())
    status = data.get("statut") or ""
    if status == "":
        rows = rows.filter(status__in=codes.OPEN_STATUSES)
    elif status != "tous":
        rows = rows.filter(status=status)
    if data.get("type"):
        rows = rows.filter(type_version__measure_type_id=data["type"])
    if data.get("operateur"):
        rows = rows.filter(operator_id=data["operateur"])
    open_alerts = scope(request.user, Alert.objects.filter(measure=OuterRef("pk"), closed_at__isnull=True))
    rows = rows.annotate(open_alert=Exists(open_alerts))
    if data.get("alerte"):
        rows = rows.filter(open_alert=True)
    rows = (
        rows.select_related("household", "type_version__measure_type", "operator")
        .prefetch_related(heads_prefetch(), *engine_prefetch())
        .order_by("-oriented_on", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    actor = actor_for(request.user)
    entries = [
        {
            "measure": m,
            "head": visible_head(actor, m),
            "flags": attention(m, prefetched_facts(m), today, todo=False),
        }
        for m in page.object_list
    ]
    return render(request, "measures/list.html", {"form": form, "page": page, "entries": entries, "today": today})


# --- the operator's caseload ---------------------------------------------------------------------


@permission("measures.operate")
def caseload(request):
    """The open measures of the user's organisations, those needing attention first."""
    today = timezone.localdate()
    organisations = actor_for(request.user).organisations("measures.operate")
    waiting = RenewalRequest.objects.filter(measure=OuterRef("pk"), status=REQUESTED)
    rows = (
        scope(request.user, Measure.objects.filter(operator_id__in=organisations, status__in=codes.OPEN_STATUSES))
        .select_related("household", "type_version__measure_type", "operator", "referent")
        .prefetch_related(heads_prefetch(), *engine_prefetch())
        .annotate(renewal_waiting=Exists(waiting))
        .order_by("next_review_on", "oriented_on", "pk")
    )
    actor = actor_for(request.user)
    entries = [
        {
            "measure": m,
            "head": visible_head(actor, m),
            "flags": attention(m, prefetched_facts(m), today, m.renewal_waiting),
        }
        for m in rows
    ]
    entries.sort(key=lambda e: not e["flags"])  # stable: the engine's order within each group
    counts = {
        "active": sum(e["measure"].status == S.ACTIVE for e in entries),
        "pending": sum(e["measure"].status != S.ACTIVE for e in entries),
        "attention": sum(bool(e["flags"]) for e in entries),
    }
    return render(request, "measures/caseload.html", {"entries": entries, "counts": counts, "today": today})


# --- the coordinator's queue ---------------------------------------------------------------------


@permission("measures.activate")
def to_activate(request):
    """Contracts sent by the operators, the oldest first: a measure is active only once activated."""
    territories = actor_for(request.user).territories("measures.activate")
    rows = (
        scope(request.user, Measure.objects.filter(status=S.SENT, territory_id__in=territories))
        .select_related("household", "type_version__measure_type", "operator")
        .prefetch_related(heads_prefetch())
        .order_by("sent_on", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    actor = actor_for(request.user)
    entries = [
        {
            "measure": m,
            "head": visible_head(actor, m),
            "waiting_days": (today - m.sent_on).days if m.sent_on else None,
        }
        for m in page.object_list
    ]
    return render(request, "measures/to_activate.html", {"page": page, "entries": entries, "today": today})


# --- the measure page ----------------------------------------------------------------------------


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _approver_labels(approvers) -> str:
    return " et ".join(codes.APPROVERS[c].label if c in codes.APPROVERS else c for c in approvers)


def describe_rules(version) -> list[tuple[str, str]]:
    """The rules of a type's version, in plain French, for the measure page."""
    rows = [
        ("Public visé", version.target_public),
        ("Qui oriente", version.orienting_by),
        ("Durée standard", f"{version.standard_months} mois à partir de l'activation"),
    ]
    if version.review_months:
        parts = [
            f"{m} mois{' (informel)' if m in version.informal_review_months else ''}"
            for m in sorted(version.review_months)
        ]
        rows.append(("Bilans", ", ".join(parts) + " ; puis un bilan à la fin de chaque renouvellement"))
    else:
        rows.append(("Bilans", "Aucun bilan prévu par le type"))
    if version.renewal_cap_months:
        rows.append(
            (
                "Renouvellements",
                f"Par périodes de {version.renewal_step_months} mois au plus, {version.renewal_cap_months} mois "
                f"au total ; accord : {_approver_labels(version.renewal_approvers)}",
            )
        )
    else:
        rows.append(("Renouvellements", "Pas de renouvellement prévu"))
    if version.derogation_months:
        rows.append(
            (
                "Dérogation",
                f"Un renouvellement de plus, de {version.derogation_months} mois au plus, une fois les "
                f"renouvellements ordinaires épuisés ; accords nécessaires : "
                f"{_approver_labels(version.derogation_approvers)}",
            )
        )
    else:
        rows.append(("Dérogation", "Pas de dérogation prévue"))
    rows.append(("Durée maximale absolue", f"{version.max_months} mois"))
    if version.pre_housing_months is None:
        rows.append(("Avant l'entrée dans le logement", "Pas de délai fixé"))
    else:
        text = f"La mesure peut commencer jusqu'à {version.pre_housing_months} mois avant l'entrée dans le logement"
        if version.pre_housing_reduces_sliding_lease:
            text += " ; la période de bail glissant est alors réduite d'autant"
        rows.append(("Avant l'entrée dans le logement", text))
    if version.meetings_per_week or version.home_visits_per_week:
        rows.append(
            (
                "Intensité",
                f"Au moins {_plural(version.meetings_per_week, 'rencontre')} par semaine avec le ou la référente, "
                f"dont au moins {_plural(version.home_visits_per_week, 'visite')} à domicile ; à moduler selon les "
                "besoins et selon ce que convient chaque bilan",
            )
        )
    else:
        rows.append(("Intensité", "Selon les besoins, convenue à chaque bilan"))
    if version.availability:
        rows.append(("Disponibilité de l'équipe", version.availability))
    if version.monthly_aid:
        rows.append(("Aide au ménage", f"{version.monthly_aid} € par mois"))
    if version.hand_over_required:
        rows.append(("Sortie", "Se termine par un relais vers l'accompagnement de droit commun, nommé à la sortie"))
    return rows


def describe_event(event, type_name: str) -> str:
    """One line of the transition log in French, from the event's codes."""
    p = event.payload or {}
    kind = event.kind
    if kind == MeasureEventKind.ORIENTED:
        return f"Orientée vers {type_name} (version {p.get('version', '?')} des règles)"
    if kind == MeasureEventKind.REVIEW_RECORDED:
        return f"Bilan à {p.get('month', '?')} mois enregistré"
    if kind == MeasureEventKind.RENEWAL_REQUESTED:
        nature = "dérogatoire " if p.get("derogation") else ""
        return f"Renouvellement {nature}de {p.get('months', '?')} mois demandé"
    if kind == MeasureEventKind.RENEWAL_APPROVAL:
        label = codes.APPROVERS[p["approver"]].label if p.get("approver") in codes.APPROVERS else "?"
        return f"Avis sur le renouvellement ({label}) : {'accord' if p.get('approved') else 'refus'}"
    if kind == MeasureEventKind.RENEWAL_DECIDED:
        return "Renouvellement accordé" if p.get("status") == codes.RenewalStatus.APPROVED else "Renouvellement refusé"
    if kind in (MeasureEventKind.ENDED, MeasureEventKind.ABANDONED):
        reasons = dict(codes.EndReason.choices)
        text = f"{event.get_kind_display()} : {reasons.get(p.get('reason'), p.get('reason', ''))}"
        if p.get("follow_on"):
            text += f" — relais : {dict(codes.FollowOn.choices).get(p['follow_on'], p['follow_on'])}"
        return text
    return event.get_kind_display()


# Actions of the measure page: url name → (life-cycle action, who, label).
OPERATOR, COORDINATOR = "operator", "coordinator"
ACTIONS = [
    ("contract", "record_contract", OPERATOR, "Enregistrer le contrat signé"),
    ("send", "send", OPERATOR, "Transmettre à la coordination"),
    ("activate", "activate", COORDINATOR, "Activer la mesure"),
    ("send_back", "send_back", COORDINATOR, "Renvoyer le contrat à l'opérateur"),
    ("entry", "record_entry", OPERATOR, "Enregistrer l'entrée dans le logement"),
    ("review", "record_review", OPERATOR, "Enregistrer un bilan"),
    ("renewal_request", "request_renewal", OPERATOR, "Demander un renouvellement"),
    ("end", "end", OPERATOR, "Terminer la mesure"),
    ("abandon", "abandon", OPERATOR, "Abandonner la mesure"),
]


def available_actions(actor, measure) -> list[tuple[str, str]]:
    """(url name, label) of the actions the life cycle allows now and the user may do."""
    roles = {OPERATOR: operates(actor, measure), COORDINATOR: is_coordinator(actor, measure)}
    actions = [
        (name, label)
        for name, action, who, label in ACTIONS
        if roles[who] and lifecycle.allowed(measure.status, action)
    ]
    if roles[OPERATOR] and measure.status in codes.OPEN_STATUSES:
        actions.append(("referent", "Changer de référent·e"))
    return actions


def _renewal_rows(renewals, type_rules, actor, pieces) -> list[dict]:
    rows = []
    for request in renewals:
        approvals = list(request.approvals.all())
        given = {a.approver: a.approved for a in approvals}
        rows.append(
            {
                "request": request,
                "approvals": [
                    {
                        "approval": a,
                        "comment": a.comment if comment_visible(actor, pieces, a) else "",
                    }
                    for a in approvals
                ],
                "missing": [
                    codes.APPROVERS[c].label
                    for c in rules.missing_approvers(type_rules, request.derogation, given)
                    if c in codes.APPROVERS
                ],
            }
        )
    return rows


@permission("measures.view")
def measure_detail(request, pk):
    measure = _measure(request, pk)
    actor = actor_for(request.user)
    household = measure.household
    record_read(request, measure, section="mesure", protected=household.protected)
    today = timezone.localdate()
    pieces = visibility.of(actor, measure)
    file = file_access(request, household)
    type_rules = measure.rules
    facts = services.facts_of(measure)
    summary = rules.summarise(type_rules, facts, today)
    schedule = [
        {
            "review": r,
            "overdue": not r.held and not r.informal and r.due_on < today,
            "passed": not r.held and r.informal and r.due_on < today,
            "soon": not r.held and today <= r.due_on <= today + timedelta(days=rules.REVIEW_NOTICE_DAYS),
        }
        for r in rules.review_schedule(type_rules, facts)
    ]
    reviews = list(
        Review.objects.filter(measure=measure)
        .prefetch_related(Prefetch("outcomes", queryset=Outcome.objects.order_by("pk")))
        .order_by("month")
    )
    renewals = list(
        RenewalRequest.objects.filter(measure=measure)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch("approvals", queryset=RenewalApproval.objects.select_related("user", "organisation"))
        )
    )
    documents = (
        list(MeasureDocument.objects.filter(measure=measure).defer("content").select_related("uploaded_by"))
        if pieces.documents
        else []
    )
    events = list(MeasureEvent.objects.filter(measure=measure).select_related("user", "organisation"))
    type_name = measure.type_version.measure_type.name
    pending = next((r for r in renewals if r.status == REQUESTED), None)
    may_decide = False
    if pending is not None and measure.status == S.ACTIVE and actor.has("measures.approve"):
        given = {a.approver for a in pending.approvals.all()}
        required = rules.required_approvers(type_rules, pending.derogation)
        may_decide = any(c in required and c not in given for c in services.approver_codes(actor, measure))
    context = {
        **activity.section(measure, actor, today),
        "measure": measure,
        "household": household,
        "head": visible_head(actor, measure, pieces),
        "household_visible": file.file,
        # Health outcomes: the household's second gate, or the measure's own team.
        "sees_health": pieces.sensitive,
        "sensitive_outcomes": SENSITIVE_OUTCOMES,
        "version": measure.type_version,
        "rules_text": describe_rules(measure.type_version),
        "summary": summary,
        "schedule": schedule,
        "reviews": reviews,
        "renewals": _renewal_rows(renewals, type_rules, actor, pieces),
        "pending": pending,
        "documents": documents,
        "events": [{"event": e, "text": describe_event(e, type_name)} for e in events],
        "working_notes": pieces.working_notes,
        "sees_documents": pieces.documents,
        "actions": available_actions(actor, measure),
        "may_decide": may_decide,
        "consultations": can(request.user, "audit.consultations"),
        "today": today,
    }
    return render(request, "measures/detail.html", context)


@permission("measures.view")
def document_download(request, pk):
    """The signed contract (or another document), as an attachment; the read is logged."""
    document = get_or_404(request.user, MeasureDocument.objects.select_related("measure__household"), pk=pk)
    if not visibility.of(actor_for(request.user), document.measure).documents:
        raise _out_of_reach(request, f"document {pk}")
    record_read(request, document, section="document", protected=document.measure.household.protected)
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(True, document.filename)
    return response


# --- the action pages ----------------------------------------------------------------------------


def _run(form, write) -> bool:
    """Calls a service; its refusals go onto the form (French messages), nothing is half-saved."""
    try:
        write()
    except (lifecycle.TransitionRefused, rules.RuleRefused, services.StaleMeasure) as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        apply_errors(form, error)
    else:
        return True
    return False


def _refusal(measure, action) -> str | None:
    try:
        lifecycle.target(measure.status, action)
    except lifecycle.TransitionRefused as error:
        return str(error)
    return None


def _data(request):
    return request.POST if request.method == "POST" else None


def _files(request):
    return request.FILES if request.method == "POST" else None


def _versioned(measure, **initial):
    return {"version": measure.version, **initial}


def _page(request, measure, form, title, *, refused=None, intro="", submit="Enregistrer", **extra):
    context = {
        "measure": measure,
        "head": visible_head(actor_for(request.user), measure),
        "form": form,
        "title": title,
        "intro": intro,
        "refused": refused,
        "submit": submit,
        "contract": None,
        "room": None,
        "pending": None,
        "danger": False,
    }
    context.update(extra)
    return render(request, "measures/action.html", context)


def _action(request, measure, form, *, action, write, success, title, refused=None, **extra):
    """GET shows the form, or why the action is not possible now (the life cycle's reason first,
    then `refused`); a valid POST calls `write()` and returns to the measure; refusals are shown on
    the form with the user's input kept (the service decides, whatever the page showed)."""
    if request.method == "POST":
        if form.is_valid() and _run(form, write):
            messages.success(request, success() if callable(success) else success)
            return redirect("measures:detail", pk=measure.pk)
        refused = None
    else:
        refused = (_refusal(measure, action) if action else None) or refused
    return _page(request, measure, form, title, refused=refused, **extra)


def _staff(measure):
    return StaffMember.objects.filter(organisation_id=measure.operator_id, is_active=True).order_by(
        "last_name", "first_name"
    )


def _staff_member(measure, value):
    return _staff(measure).filter(pk=value).first() if value else None


@permission("measures.orient")
def measure_create(request, household_pk):
    """The coordinator mobilises a measure for a household: type, operator, orientation date."""
    household = get_or_404(request.user, Household.objects.select_related("territory"), pk=household_pk)
    if household.territory_id not in actor_for(request.user).territories("measures.orient"):
        raise _out_of_reach(request, f"household {household_pk}")
    types = list(MeasureType.objects.filter(territory_id=household.territory_id, is_active=True).order_by("name"))
    operators = services.operators(household.territory)
    form = forms.OrientForm(
        _data(request), initial={"oriented_on": timezone.localdate()}, types=types, operators=operators
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        measure_type = next(t for t in types if str(t.pk) == d["measure_type"])
        operator = next(o for o in operators if str(o.pk) == d["operator"])
        author = Author(
            user=request.user,
            organisation_id=next(
                (g.organisation_id for g in actor_for(request.user).grants if g.territory_id == household.territory_id),
                actor_for(request.user).organisation_id,
            ),
        )
        created = {}
        if _run(
            form,
            lambda: created.setdefault(
                "measure", services.orient(household, measure_type, operator, d["oriented_on"], author)
            ),
        ):
            messages.success(
                request, f"La mesure est ouverte et confiée à {operator.name}, qui enregistrera le contrat signé."
            )
            return redirect("measures:detail", pk=created["measure"].pk)
    return render(
        request,
        "measures/create.html",
        {"household": household, "head": head_label(household), "form": form, "types": types},
    )


@permission("measures.operate")
def contract(request, pk):
    measure = _operated(request, pk)
    staff = list(_staff(measure))
    form = forms.ContractForm(
        _data(request),
        _files(request),
        initial=_versioned(measure, contract_signed_on=timezone.localdate(), sliding_lease=measure.sliding_lease),
        staff=staff,
    )

    def write():
        d = form.cleaned_data
        services.record_contract(
            measure,
            d["contract_signed_on"],
            form.document_for_service(),
            _author(request, measure, "measures.operate"),
            d["version"],
            referent=_staff_member(measure, d["referent"]),
            sliding_lease=d["sliding_lease"],
        )

    return _action(
        request,
        measure,
        form,
        action="record_contract",
        write=write,
        success="Le contrat signé est enregistré. Transmettez-le à la coordination pour activation.",
        title="Enregistrer le contrat signé",
        intro="Le contrat est signé par le ménage et l'opérateur. La mesure ne sera active qu'à son activation "
        "par la coordination.",
    )


@permission("measures.operate")
def send(request, pk):
    measure = _operated(request, pk)
    form = forms.SendForm(_data(request), initial=_versioned(measure, sent_on=timezone.localdate()))
    return _action(
        request,
        measure,
        form,
        action="send",
        write=lambda: services.send(
            measure,
            form.cleaned_data["sent_on"],
            _author(request, measure, "measures.operate"),
            form.cleaned_data["version"],
        ),
        success="Le contrat est transmis à la coordination, qui activera la mesure.",
        title="Transmettre le contrat à la coordination",
        submit="Transmettre",
        contract=_contract(measure),
    )


def _contract(measure):
    return (
        MeasureDocument.objects.filter(measure=measure, kind=MeasureDocument.Kind.CONTRACT)
        .defer("content")
        .order_by("-uploaded_at", "-pk")
        .first()
    )


@permission("measures.activate")
def send_back(request, pk):
    measure = _coordinated(request, pk)
    form = forms.SendBackForm(_data(request), initial=_versioned(measure, on=timezone.localdate()))
    return _action(
        request,
        measure,
        form,
        action="send_back",
        write=lambda: services.send_back(
            measure,
            form.cleaned_data["on"],
            _author(request, measure, "measures.activate"),
            form.cleaned_data["version"],
        ),
        success="Le contrat est renvoyé à l'opérateur.",
        title="Renvoyer le contrat à l'opérateur",
        intro="Le contrat ne peut pas être activé en l'état : l'opérateur le complète puis le transmet à nouveau.",
        submit="Renvoyer",
        contract=_contract(measure),
        danger=True,
    )


@permission("measures.activate")
def activate(request, pk):
    measure = _coordinated(request, pk)
    form = forms.ActivateForm(_data(request), initial=_versioned(measure, activated_on=timezone.localdate()))

    def success():
        measure.refresh_from_db(fields=["planned_end_on"])
        end = measure.planned_end_on
        return "La mesure est active." + (f" Fin prévue le {end:%d/%m/%Y}." if end else "")

    return _action(
        request,
        measure,
        form,
        action="activate",
        write=lambda: services.activate(
            measure,
            form.cleaned_data["activated_on"],
            _author(request, measure, "measures.activate"),
            form.cleaned_data["version"],
        ),
        success=success,
        title="Activer la mesure",
        intro="Vérifiez le contrat signé avant d'activer : la durée, les bilans et la fin se comptent à partir de "
        "la date d'activation.",
        submit="Activer",
        contract=_contract(measure),
    )


@permission("measures.operate")
def entry(request, pk):
    measure = _operated(request, pk)
    form = forms.EntryForm(_data(request), initial=_versioned(measure, housing_entry_on=timezone.localdate()))
    return _action(
        request,
        measure,
        form,
        action="record_entry",
        write=lambda: services.record_entry(
            measure,
            form.cleaned_data["housing_entry_on"],
            _author(request, measure, "measures.operate"),
            form.cleaned_data["version"],
        ),
        success="L'entrée dans le logement est enregistrée.",
        title="Entrée dans le logement",
    )


@permission("measures.operate")
def review(request, pk):
    measure = _operated(request, pk)
    schedule = rules.review_schedule(measure.rules, services.facts_of(measure))
    last = Review.objects.filter(measure=measure).order_by("-month").first()
    version = measure.type_version
    initial = _versioned(
        measure,
        held_on=timezone.localdate(),
        meetings_per_week=last.meetings_per_week if last else version.meetings_per_week,
        home_visits_per_week=last.home_visits_per_week if last else version.home_visits_per_week,
    )
    due = next((r for r in schedule if not r.held), None)
    if due is not None:
        initial["month"] = str(due.month)
    form = forms.ReviewForm(_data(request), initial=initial, schedule=schedule)
    refused = "Tous les bilans prévus pour cette mesure sont enregistrés." if due is None else None
    return _action(
        request,
        measure,
        form,
        action="record_review",
        write=lambda: services.record_review(
            measure,
            form.data_for_service(),
            _author(request, measure, "measures.operate"),
            form.cleaned_data["version"],
        ),
        success="Le bilan est enregistré ; l'intensité convenue vaut pour la période suivante.",
        title="Enregistrer un bilan",
        intro="Chaque bilan fixe l'intensité de l'accompagnement convenue pour la période suivante.",
        refused=refused,
    )


@permission("measures.operate")
def renewal_request(request, pk):
    measure = _operated(request, pk)
    room = rules.renewal_room(measure.rules, services.facts_of(measure))
    pending = RenewalRequest.objects.filter(measure=measure, status=REQUESTED).first()
    form = forms.RenewalRequestForm(
        _data(request),
        initial=_versioned(
            measure,
            requested_on=timezone.localdate(),
            months=min(measure.type_version.renewal_step_months, room.ordinary_months) or None,
        ),
    )
    refused = None
    if pending is not None:
        refused = (
            f"Une demande de renouvellement de {pending.months} mois, du {pending.requested_on:%d/%m/%Y}, attend "
            "déjà une réponse."
        )
    return _action(
        request,
        measure,
        form,
        action="request_renewal",
        write=lambda: services.request_renewal(
            measure,
            form.cleaned_data["months"],
            form.cleaned_data["derogation"],
            form.cleaned_data["requested_on"],
            _author(request, measure, "measures.operate"),
            form.cleaned_data["version"],
        ),
        success="La demande de renouvellement est transmise à qui doit donner son accord.",
        title="Demander un renouvellement",
        room=room,
        refused=refused,
    )


@permission("measures.approve")
def renewal_decide(request, pk):
    """An approver the type names (coordinator, chef SLISL…) agrees to or refuses the pending renewal."""
    measure = _measure(request, pk)
    actor = actor_for(request.user)
    mine = services.approver_codes(actor, measure)
    if not mine:
        record_refusal(request, object_type="measure", object_id=str(pk))
        raise PermissionDenied
    pending = (
        RenewalRequest.objects.filter(measure=measure, status=REQUESTED)
        .prefetch_related(Prefetch("approvals", queryset=RenewalApproval.objects.select_related("user")))
        .first()
    )
    approvers, refused = [], None
    if pending is None or measure.status != S.ACTIVE:
        refused = "Aucune demande de renouvellement n'attend d'avis sur cette mesure."
    else:
        given = {a.approver: a.approved for a in pending.approvals.all()}
        missing = rules.missing_approvers(measure.rules, pending.derogation, given)
        approvers = [c for c in missing if c in mine]
        if not approvers:
            waiting = _approver_labels(missing) or "personne"
            refused = (
                f"Votre avis est déjà enregistré ou n'est pas demandé pour cette demande. Elle attend : {waiting}."
            )
    form = forms.RenewalDecisionForm(
        _data(request), initial={"request": pending.pk if pending else None}, approvers=approvers
    )
    if request.method == "POST" and refused is None and form.is_valid():
        d = form.cleaned_data
        if d["request"] != pending.pk:
            form.add_error(None, "Cette demande a reçu sa réponse ou a été remplacée : rechargez la page.")
        else:
            result = {}
            author = _author(request, measure, "measures.approve")
            if _run(
                form,
                lambda: result.setdefault(
                    "request",
                    services.decide_renewal(
                        pending, d["approver"], d["decision"] == "accord", author, actor, d["comment"]
                    ),
                ),
            ):
                status = result["request"].status
                text = {
                    codes.RenewalStatus.APPROVED: "Le renouvellement est accordé : la fin prévue est recalculée.",
                    codes.RenewalStatus.REFUSED: "Le renouvellement est refusé.",
                }.get(status, "Votre avis est enregistré ; la demande attend encore d'autres accords.")
                messages.success(request, text)
                return redirect("measures:detail", pk=measure.pk)
    return _page(
        request,
        measure,
        form,
        "Avis sur le renouvellement",
        refused=refused,
        submit="Enregistrer mon avis",
        pending=_renewal_rows([pending], measure.rules, actor, visibility.of(actor, measure))[0] if pending else None,
    )


@permission("measures.operate")
def end(request, pk):
    measure = _operated(request, pk)
    form = forms.EndForm(
        _data(request),
        initial=_versioned(measure, ended_on=timezone.localdate()),
        hand_over_required=measure.type_version.hand_over_required,
    )
    return _action(
        request,
        measure,
        form,
        action="end",
        write=lambda: services.end(
            measure,
            form.data_for_service(),
            _author(request, measure, "measures.operate"),
            form.cleaned_data["version"],
        ),
        success="La mesure est terminée ; la coordination en est avertie.",
        title="Terminer la mesure",
        intro="Toute sortie, rupture ou non-adhésion est signalée aussitôt à la coordination.",
        submit="Terminer la mesure",
        danger=True,
    )


@permission("measures.operate")
def abandon(request, pk):
    measure = _operated(request, pk)
    form = forms.AbandonForm(_data(request), initial=_versioned(measure, ended_on=timezone.localdate()))
    return _action(
        request,
        measure,
        form,
        action="abandon",
        write=lambda: services.abandon(
            measure,
            form.cleaned_data["ended_on"],
            form.cleaned_data["reason"],
            _author(request, measure, "measures.operate"),
            form.cleaned_data["version"],
        ),
        success="La mesure est abandonnée ; la coordination en est avertie.",
        title="Abandonner la mesure avant son activation",
        intro="Le ménage n'adhère pas, a déménagé ou est décédé avant l'activation. La coordination est avertie.",
        submit="Abandonner la mesure",
        danger=True,
    )


@permission("measures.operate")
def referent(request, pk):
    measure = _operated(request, pk)
    staff = list(_staff(measure))
    form = forms.ReferentForm(
        _data(request),
        initial=_versioned(measure, referent=str(measure.referent_id) if measure.referent_id else ""),
        staff=staff,
    )
    refused = None
    if measure.status not in codes.OPEN_STATUSES:
        refused = f"La mesure est « {measure.get_status_display()} » : son référent·e ne change plus."
    return _action(
        request,
        measure,
        form,
        action=None,
        write=lambda: services.change_referent(
            measure,
            _staff_member(measure, form.cleaned_data["referent"]),
            _author(request, measure, "measures.operate"),
            form.cleaned_data["version"],
        ),
        success="Le ou la référente de la mesure est enregistré·e.",
        title="Référent·e de la mesure",
        refused=refused,
    )


# --- for the household page ----------------------------------------------------------------------


def household_measures(user, household) -> list[Measure]:
    """The measures of a household the user may see, for the household page (one query)."""
    return list(
        scope(user, Measure.objects.filter(household=household))
        .select_related("type_version__measure_type", "operator")
        .order_by("-oriented_on", "-pk")
    )

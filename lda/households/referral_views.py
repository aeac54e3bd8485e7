"""Referrals (fiches saisine) and the coordinator's study and orientation decision (spec 1)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import formset_factory
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, can, get_or_404
from lda.accounts.models import Organisation
from lda.accounts.roles import OrganisationKind
from lda.households import codes, forms, services
from lda.households.models import Household, Referral
from lda.households.views import _apply, _household, author, file_access, possible_duplicates

# absolute_max bounds what TOTAL_FORMS may ask for: without it, TOTAL_FORMS=1000000 built a million
# forms in the request (12 s of a worker); now more than 12 persons is refused in French at once.
MAX_PERSONS = 12
PersonFormSet = formset_factory(
    forms.PersonForm,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_PERSONS,
    validate_max=True,
    absolute_max=MAX_PERSONS,
)


def _referral_data(form, persons=()):
    d = form.cleaned_data
    return services.ReferralData(
        referrer_kind=d["referrer_kind"],
        received_on=d["received_on"],
        summary=d.get("summary", ""),
        situation_kind=d.get("situation_kind") or "",
        situation_since=d.get("situation_since"),
        persons=list(persons),
        priority_publics=d.get("priority_publics", []),
        consent_given=d.get("consent_given", False),
        consent_on=d.get("consent_on"),
        consent_kinds=d.get("consent_kinds", []),
    )


def _after_referral(request, referral):
    if Household.objects.for_user(request.user).filter(pk=referral.household_id).exists() and can(
        request.user, "households.view"
    ):
        return redirect("households:detail", pk=referral.household_id)
    return redirect("households:referral_sent")


@permission("referrals.create")
def referral_create(request):
    """A referral for a new household; warns of possible duplicates before saving."""
    actor = actor_for(request.user)
    form = forms.ReferralForm(request.POST or None, initial={"received_on": timezone.localdate()})
    persons = PersonFormSet(request.POST or None, prefix="personne", initial=[{"role": codes.PersonRole.ADULT}])
    duplicates = []
    confirmed = request.POST.get("confirm_distinct") == "on"
    if request.method == "POST" and form.is_valid() and persons.is_valid():
        people = [
            services.PersonData(**{k: v for k, v in p.items() if k != "confirm_distinct"})
            for p in persons.cleaned_data
            if p
        ]
        if people:
            people[0].is_head = True
        duplicates = [] if confirmed else possible_duplicates(request, actor.territory_id, people)
        if not duplicates:
            territory = Organisation.objects.get(pk=actor.organisation_id).territory
            holder = {}
            if _apply(
                request,
                form,
                lambda: holder.setdefault(
                    "referral", services.receive_referral(territory, author(request), _referral_data(form, people))
                ),
                "La saisine est enregistrée. La coordination va l'étudier.",
            ):
                return _after_referral(request, holder["referral"])
    return render(
        request,
        "households/referral_form.html",
        {"form": form, "persons": persons, "duplicates": duplicates, "household": None},
    )


@permission("referrals.create")
def referral_for_household(request, pk):
    """A referral for a household already known (a return if it had left the list)."""
    household = _household(request, pk)
    form = forms.ReferralForm(request.POST or None, new_household=False, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        holder = {}
        if _apply(
            request,
            form,
            lambda: holder.setdefault(
                "referral",
                services.receive_referral(household.territory, author(request), _referral_data(form), household),
            ),
            "La saisine est enregistrée.",
        ):
            return _after_referral(request, holder["referral"])
    return render(
        request,
        "households/referral_form.html",
        {"form": form, "persons": None, "duplicates": [], "household": household},
    )


@permission("referrals.create")
def referral_sent(request):
    return render(request, "households/referral_sent.html")


@permission("referrals.decide")
def referral_queue(request):
    """Referrals waiting for a decision, oldest first, with the time since receipt."""
    rows = (
        Referral.objects.for_user(request.user)
        .exclude(status=codes.ReferralStatus.DECIDED)
        .select_related("household", "referring_organisation")
        .order_by("received_on", "pk")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "households/referral_queue.html",
        {"page": page, "rows": [(r, (today - r.received_on).days) for r in page.object_list]},
    )


def _decision_form(request, household):
    operators = Organisation.objects.filter(
        territory_id=household.territory_id,
        is_active=True,
        kind__in=[
            OrganisationKind.ASSOCIATION,
            OrganisationKind.SIAO,
            OrganisationKind.COMMUNE,
            OrganisationKind.HEALTH,
        ],
    ).order_by("name")
    return forms.DecisionForm(
        request.POST or None,
        initial={"version": household.version, "decided_on": timezone.localdate()},
        organisations=operators,
    )


def _decide(request, household, referral, form):
    d = form.cleaned_data
    data = services.DecisionData(
        decision=d["decision"],
        decided_on=d["decided_on"],
        measure=d["measure"],
        housing_search=d["housing_search"],
        accompanying_organisation_id=d["accompanying_organisation"].pk if d["accompanying_organisation"] else None,
        reason=d["reason"],
        comment=d["comment"],
    )
    return _apply(
        request,
        form,
        lambda: services.decide(household, author(request), data, referral=referral, expected_version=d["version"]),
        "La décision est enregistrée.",
    )


@permission("referrals.decide")
def referral_detail(request, pk):
    referral = get_or_404(request.user, Referral.objects.select_related("household", "referring_organisation"), pk=pk)
    household = referral.household
    form = _decision_form(request, household)
    if request.method == "POST" and form.is_valid() and _decide(request, household, referral, form):
        return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/referral_detail.html",
        {
            "referral": referral,
            "household": household,
            "form": form,
            "access": file_access(request, household),
            "delay": (timezone.localdate() - referral.received_on).days,
        },
    )


@require_POST
@permission("referrals.decide")
def referral_study(request, pk):
    referral = get_or_404(request.user, Referral.objects.select_related("household"), pk=pk)
    try:
        services.start_study(referral, author(request))
        messages.success(request, "La saisine est à l'étude.")
    except services.pathway.TransitionRefused as error:
        messages.error(request, str(error))
    return redirect("households:referral", pk=referral.pk)


@permission("referrals.decide")
def household_orient(request, pk):
    """A new decision for a household already known, without a new referral (re-orientation)."""
    household = _household(request, pk)
    form = _decision_form(request, household)
    if request.method == "POST" and form.is_valid() and _decide(request, household, None, form):
        return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/edit.html",
        {"household": household, "form": form, "title": "Nouvelle décision d'orientation", "intro": ""},
    )

"""The coordinator's duplicates pages: candidate pairs, side-by-side comparison, merge and its undo."""

from dataclasses import replace

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404
from lda.accounts.roles import Role
from lda.audit.log import record, record_read
from lda.audit.models import Action
from lda.households import codes, linkage, merge
from lda.households.models import Household, MergeRecord, Person
from lda.households.services import STALE_MESSAGE, Author, StaleVersion

PAIRS_LIMIT = 100
# Listing the pairs of a large territory takes seconds (bench/linkage.py): kept a while, and
# pairs that a merge has since settled are dropped when shown.
PAIRS_CACHE_SECONDS = 15 * 60
PAGE_SIZE = 30


def _coordinator_grant(request):
    actor = actor_for(request.user)
    return next(g for g in actor.grants if g.role == Role.COORDINATOR)


def _author(request) -> Author:
    return Author(user=request.user, organisation_id=_coordinator_grant(request).organisation_id)


def _households(request, kept, merged):
    queryset = Household.objects.select_related("territory", "referent_organisation", "accompanying_organisation")
    return get_or_404(request.user, queryset, pk=kept), get_or_404(request.user, queryset, pk=merged)


def _versions(request, *names):
    try:
        return tuple(int(request.POST[name]) for name in names)
    except (KeyError, ValueError):
        return None


def _pairs_key(territory_id) -> str:
    return f"lda:merges:pairs:{territory_id}"


def _refused(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


@permission("households.merge")
def pairs(request):
    territory_id = _coordinator_grant(request).territory_id
    key = _pairs_key(territory_id)
    found = cache.get(key)
    if found is None:
        found = linkage.duplicate_pairs(territory_id, limit=PAIRS_LIMIT)
        cache.set(key, found, PAIRS_CACHE_SECONDS)
    ids = {row.person_id for pair in found for row in (pair.first, pair.second)}
    # Persons still living, where they live now (a household merge moves them) and that
    # household's current version (the forms carry it).
    living = {
        pk: {"household_id": household, "household_reference": reference, "household_version": version}
        for pk, household, reference, version in Person.objects.filter(pk__in=ids, merged_into__isnull=True)
        .exclude(household__status=codes.HouseholdStatus.MERGED)
        .values_list("pk", "household_id", "household__reference", "household__version")
    }
    found = [
        replace(
            pair,
            first=replace(pair.first, **living[pair.first.person_id]),
            second=replace(pair.second, **living[pair.second.person_id]),
        )
        for pair in found
        if pair.first.person_id in living and pair.second.person_id in living
    ]
    record(Action.READ, subject=request, object_type="duplicate_pairs", object_id=territory_id)
    return render(request, "merges/pairs.html", {"pairs": found, "limit": PAIRS_LIMIT})


@permission("households.merge")
def compare(request, kept, merged):
    kept, merged = _households(request, kept, merged)
    pair = [kept, merged]
    prefetch_related_objects(
        pair,
        "persons",
        "situations",
        "needs",
        "resources__person",
        "referrals__referring_organisation",
        "orientations",
        "commission_cases__commission",
    )
    for household in pair:
        record_read(request, household, section="comparaison")
    matches = []
    for left in kept.persons.all():
        for right in merged.persons.all():
            if left.merged_into_id or right.merged_into_id:
                continue
            result = linkage.compare(linkage.PersonRecord.of(left), linkage.PersonRecord.of(right))
            if result.score:
                matches.append((left, right, result))
    matches.sort(key=lambda m: -m[2].score)
    return render(
        request,
        "merges/compare.html",
        {
            "kept": kept,
            "merged": merged,
            "pair": pair,
            "matches": matches,
            "threshold": linkage.THRESHOLD,
            "refusal": merge.refusal(kept, merged),
        },
    )


@permission("households.merge")
def merge_households(request, kept, merged):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    kept, merged = _households(request, kept, merged)
    back = reverse("merges:compare", args=[kept.pk, merged.pk])
    versions = _versions(request, "kept_version", "merged_version")
    if versions is None:
        messages.error(request, "La demande est incomplète : rechargez la page de comparaison et recommencez.")
        return redirect(back)
    try:
        merge.merge_households(kept, merged, _author(request), versions)
    except StaleVersion:
        messages.error(request, STALE_MESSAGE)
        return redirect(back)
    except ValidationError as error:
        _refused(request, error)
        return redirect(back)
    cache.delete(_pairs_key(kept.territory_id))
    messages.success(
        request,
        f"Le dossier {merged.reference} a été fusionné dans le dossier {kept.reference}. "
        "Cette fusion peut être annulée depuis l'historique des fusions.",
    )
    return redirect("households:detail", kept.pk)


@permission("households.merge")
def merge_persons(request, kept, merged):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    queryset = Person.objects.select_related("household")
    kept, merged = get_or_404(request.user, queryset, pk=kept), get_or_404(request.user, queryset, pk=merged)
    if kept.household_id == merged.household_id:
        back = reverse("households:detail", args=[kept.household_id])
    else:
        back = reverse("merges:compare", args=[kept.household_id, merged.household_id])
    versions = _versions(request, "kept_version", "merged_version")
    if versions is None:
        messages.error(request, "La demande est incomplète : rechargez la page de comparaison et recommencez.")
        return redirect(back)
    try:
        merge.merge_persons(kept, merged, _author(request), versions)
    except StaleVersion:
        messages.error(request, STALE_MESSAGE)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            f"{merged} et {kept} ne font plus qu'une personne. "
            "Cette fusion peut être annulée depuis l'historique des fusions.",
        )
    return redirect(back)


@permission("households.merge")
def history(request):
    rows = MergeRecord.objects.for_user(request.user).select_related("performed_by", "undone_by")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    household_ids = {r.kept_id for r in page.object_list if r.kind == "household"} | {
        r.merged_id for r in page.object_list if r.kind == "household"
    }
    person_ids = {r.kept_id for r in page.object_list if r.kind == "person"} | {
        r.merged_id for r in page.object_list if r.kind == "person"
    }
    households = Household.objects.for_user(request.user).in_bulk(household_ids)
    persons = Person.objects.for_user(request.user).select_related("household").in_bulk(person_ids)
    entries = []
    for row in page.object_list:
        objects = households if row.kind == "household" else persons
        entries.append({"record": row, "sides": [objects.get(row.kept_id), objects.get(row.merged_id)]})
    return render(request, "merges/history.html", {"page": page, "entries": entries})


@permission("households.merge")
def undo(request, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    merge_record = get_or_404(request.user, MergeRecord.objects.all(), pk=pk)
    try:
        merge.undo_merge(merge_record, _author(request))
    except ValidationError as error:
        _refused(request, error)
    else:
        cache.delete(_pairs_key(merge_record.territory_id))
        messages.success(request, "La fusion a été annulée : chaque dossier a retrouvé ce qu'il contenait.")
    return redirect("merges:history")

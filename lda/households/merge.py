"""The coordinator's merges of two households or two persons: audited, and undone exactly.

A merge moves rows (by changing their household or person) and writes down, in
`MergeRecord.moved`, the ids of every row it moved and every value it overwrote, so that the undo
moves back exactly those rows. Events stay where they were written (they are append-only): the
kept household's timeline reads its own and those of `Household.merged`.

Errors are `ValidationError` with a French message, or `services.StaleVersion`.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lda.audit.log import record
from lda.audit.models import Action
from lda.households import codes
from lda.households.models import (
    CommissionCase,
    EventKind,
    Household,
    LivingSituation,
    MergeRecord,
    Need,
    Orientation,
    Person,
    Referral,
    Resource,
)
from lda.households.normalise import fold
from lda.households.services import Author, emit, refresh_rights_blocks, touch

# What a household merge moves, by the key it is written under in `MergeRecord.moved`.
MOVED_MODELS = {
    "persons": Person,
    "resources": Resource,
    "needs": Need,
    "situations": LivingSituation,
    "referrals": Referral,
    "orientations": Orientation,
    "commission_cases": CommissionCase,
}
MOVED_LABELS = {
    "persons": "personne",
    "resources": "ressource",
    "needs": "besoin",
    "situations": "situation de logement",
    "referrals": "saisine",
    "orientations": "orientation",
    "commission_cases": "passage en commission",
}


def _refuse(message: str):
    raise ValidationError(message)


def _lock_households(*pks) -> dict[int, Household]:
    """Locks the rows in pk order (no deadlock between two merges) and returns them fresh."""
    return {h.pk: h for h in Household.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


def check_households(kept: Household, merged: Household) -> None:
    if kept.pk == merged.pk:
        _refuse("Un dossier ne peut pas être fusionné avec lui-même.")
    if kept.territory_id != merged.territory_id:
        _refuse("Les deux dossiers n'appartiennent pas au même territoire : ils ne peuvent pas être fusionnés.")
    for household in (kept, merged):
        if household.status == codes.HouseholdStatus.MERGED:
            _refuse(f"Le dossier {household.reference} a déjà été fusionné dans un autre dossier.")


def refusal(kept: Household, merged: Household) -> str:
    """Why these two households cannot be merged, or an empty string."""
    try:
        check_households(kept, merged)
    except ValidationError as error:
        return error.messages[0]
    return ""


def _events(kind, households, author, payload):
    today = timezone.localdate()
    for household in households:
        emit(household, kind, today, author, payload)


# --- households -----------------------------------------------------------------------------------


@transaction.atomic
def merge_households(
    kept: Household, merged: Household, author: Author, expected_versions: tuple[int | None, int | None] = (None, None)
) -> MergeRecord:
    """Moves everything of `merged` into `kept`; `merged` keeps its events and is marked merged."""
    check_households(kept, merged)
    fresh = _lock_households(kept.pk, merged.pk)
    check_households(fresh[kept.pk], fresh[merged.pk])
    previous_status = fresh[merged.pk].status
    touch(kept, expected_versions[0])
    touch(merged, expected_versions[1], status=codes.HouseholdStatus.MERGED, merged_into=kept)

    moved: dict = {}
    kept_kinds = set(Need.objects.filter(household=kept).values_list("kind", flat=True))
    kept_commissions = set(CommissionCase.objects.filter(household=kept).values_list("commission_id", flat=True))
    selections = {
        "persons": Person.objects.filter(household=merged),
        "resources": Resource.objects.filter(household=merged),
        # When both have a need of the same kind, the kept household's one is the one followed.
        "needs": Need.objects.filter(household=merged).exclude(kind__in=kept_kinds),
        "situations": LivingSituation.objects.filter(household=merged),
        "referrals": Referral.objects.filter(household=merged),
        "orientations": Orientation.objects.filter(household=merged),
        "commission_cases": CommissionCase.objects.filter(household=merged).exclude(commission_id__in=kept_commissions),
    }
    for key, queryset in selections.items():
        moved[key] = sorted(queryset.values_list("pk", flat=True))
    heads = []
    if Person.objects.filter(household=kept, is_head=True).exists():
        heads = sorted(Person.objects.filter(pk__in=moved["persons"], is_head=True).values_list("pk", flat=True))
        Person.objects.filter(pk__in=heads).update(is_head=False)
    for key, ids in moved.items():
        MOVED_MODELS[key].objects.filter(pk__in=ids).update(household=kept)
    moved["previous"] = {"status": previous_status, "heads": heads}

    merge = MergeRecord.objects.create(
        territory_id=kept.territory_id,
        kind="household",
        kept_id=kept.pk,
        merged_id=merged.pk,
        moved=moved,
        performed_by=author.user,
    )
    record(Action.UPDATE, object_type="household_merge", object_id=merge.pk)
    refresh_rights_blocks(kept)
    _events(EventKind.MERGED, (kept, merged), author, {"merge": merge.pk, "kept": kept.pk, "merged": merged.pk})
    return merge


def undo_obstacles(merge: MergeRecord) -> list[str]:
    """Why this merge can no longer be undone (French sentences); empty when it can."""
    if merge.undone_at is not None:
        return ["Cette fusion a déjà été annulée."]
    if merge.kind == "person":
        return _person_undo_obstacles(merge)
    households = Household.objects.in_bulk([merge.kept_id, merge.merged_id])
    kept, merged = households.get(merge.kept_id), households.get(merge.merged_id)
    if kept is None or merged is None:
        return ["Un des deux dossiers n'existe plus."]
    obstacles = []
    if merged.status != codes.HouseholdStatus.MERGED or merged.merged_into_id != kept.pk:
        obstacles.append(f"Le dossier {merged.reference} n'est plus fusionné dans le dossier {kept.reference}.")
    if kept.status == codes.HouseholdStatus.MERGED:
        obstacles.append(
            f"Le dossier {kept.reference} a lui-même été fusionné depuis dans un autre : annulez d'abord cette fusion-là."
        )
    for key, model in MOVED_MODELS.items():
        ids = merge.moved.get(key, [])
        still = model.objects.filter(pk__in=ids, household_id=kept.pk).count()
        if still != len(ids):
            obstacles.append(
                f"{len(ids) - still} {MOVED_LABELS[key]}(s) déplacée(s) par la fusion ne sont plus dans le dossier "
                f"{kept.reference} (supprimée(s) ou déplacée(s) depuis)."
            )
    need_kinds = Need.objects.filter(pk__in=merge.moved.get("needs", [])).values_list("kind", flat=True)
    clashing = Need.objects.filter(household_id=merged.pk, kind__in=list(need_kinds))
    for need in clashing:
        obstacles.append(
            f"Le dossier {merged.reference} a reçu depuis un besoin « {need.get_kind_display()} » : "
            "il ne peut pas en avoir deux."
        )
    commissions = CommissionCase.objects.filter(pk__in=merge.moved.get("commission_cases", [])).values_list(
        "commission_id", flat=True
    )
    if CommissionCase.objects.filter(household_id=merged.pk, commission_id__in=list(commissions)).exists():
        obstacles.append(f"Le dossier {merged.reference} a été inscrit depuis à une commission qu'il quitterait.")
    later = MergeRecord.objects.filter(
        kind="person",
        undone_at__isnull=True,
        performed_at__gt=merge.performed_at,
        merged_id__in=merge.moved.get("persons", []),
    )
    if later.exists():
        obstacles.append(
            "Une personne déplacée par cette fusion a été fusionnée depuis avec une autre : "
            "annulez d'abord la fusion de ces personnes."
        )
    return obstacles


@transaction.atomic
def undo_merge(merge: MergeRecord, author: Author) -> None:
    """Moves back exactly what the merge moved and restores what it overwrote."""
    merge = MergeRecord.objects.select_for_update().get(pk=merge.pk)
    if merge.kind == "person":
        return _undo_person_merge(merge, author)
    _lock_households(merge.kept_id, merge.merged_id)
    obstacles = undo_obstacles(merge)
    if obstacles:
        raise ValidationError(["La fusion ne peut pas être annulée :", *obstacles])
    kept = Household.objects.get(pk=merge.kept_id)
    merged = Household.objects.get(pk=merge.merged_id)
    for key, model in MOVED_MODELS.items():
        model.objects.filter(pk__in=merge.moved.get(key, [])).update(household=merged)
    previous = merge.moved.get("previous", {})
    Person.objects.filter(pk__in=previous.get("heads", [])).update(is_head=True)
    touch(merged, None, status=previous["status"], merged_into=None)
    touch(kept, None)
    refresh_rights_blocks(kept)
    refresh_rights_blocks(merged)
    _mark_undone(merge, author)
    _events(EventKind.MERGE_UNDONE, (kept, merged), author, {"merge": merge.pk, "kept": kept.pk, "merged": merged.pk})


def _mark_undone(merge: MergeRecord, author: Author):
    merge.undone_by = author.user
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_by", "undone_at"])
    record(Action.UPDATE, object_type="household_merge", object_id=merge.pk, section="undo")


# --- persons ----------------------------------------------------------------------------------------


def check_persons(kept: Person, merged: Person) -> None:
    if kept.pk == merged.pk:
        _refuse("Une personne ne peut pas être fusionnée avec elle-même.")
    if kept.household.territory_id != merged.household.territory_id:
        _refuse("Les deux personnes n'appartiennent pas au même territoire : elles ne peuvent pas être fusionnées.")
    for person in (kept, merged):
        if person.merged_into_id is not None:
            _refuse(f"{person} a déjà été fusionnée avec une autre personne.")
        if person.household.status == codes.HouseholdStatus.MERGED:
            _refuse(
                f"Le dossier {person.household.reference} a été fusionné dans un autre : choisissez l'autre dossier."
            )


def _with_alias(kept: Person, merged: Person) -> str:
    """The kept person's aliases, plus the merged person's name when it is written differently."""
    name = f"{merged.first_name} {merged.last_name}"
    known = [fold(f"{kept.first_name} {kept.last_name}")] + [fold(a) for a in kept.aliases.split(",")]
    if fold(name) in known:
        return kept.aliases
    combined = f"{kept.aliases}, {name}" if kept.aliases else name
    return combined if len(combined) <= Person._meta.get_field("aliases").max_length else kept.aliases


@transaction.atomic
def merge_persons(
    kept: Person, merged: Person, author: Author, expected_versions: tuple[int | None, int | None] = (None, None)
) -> MergeRecord:
    """`merged` is the same person as `kept`: their resources go to `kept`, `merged` is marked.

    Within one household the kept person also takes the head role; across two households nothing
    else moves (merge the households for that).
    """
    check_persons(kept, merged)
    _lock_households(kept.household_id, merged.household_id)
    kept.refresh_from_db()
    merged.refresh_from_db()
    check_persons(kept, merged)
    kept_household, merged_household = kept.household, merged.household
    touch(kept_household, expected_versions[0])
    if merged_household.pk != kept_household.pk:
        touch(merged_household, expected_versions[1])

    resources = list(Resource.objects.filter(person=merged).values_list("pk", "household_id"))
    Resource.objects.filter(person=merged).update(person=kept, household=kept_household)
    moved = {
        "resources": [[pk, household_id] for pk, household_id in resources],
        "previous": {
            "kept_aliases": kept.aliases,
            "kept_is_head": kept.is_head,
            "merged_is_head": merged.is_head,
        },
    }
    new_aliases = _with_alias(kept, merged)
    becomes_head = merged.is_head and merged.household_id == kept.household_id
    Person.objects.filter(pk=kept.pk).update(aliases=new_aliases, is_head=kept.is_head or becomes_head)
    Person.objects.filter(pk=merged.pk).update(merged_into=kept, is_head=merged.is_head and not becomes_head)
    moved["aliases"] = new_aliases

    merge = MergeRecord.objects.create(
        territory_id=kept_household.territory_id,
        kind="person",
        kept_id=kept.pk,
        merged_id=merged.pk,
        moved=moved,
        performed_by=author.user,
    )
    record(Action.UPDATE, object_type="person_merge", object_id=merge.pk)
    refresh_rights_blocks(kept_household)
    households = {kept_household.pk: kept_household, merged_household.pk: merged_household}.values()
    _events(
        EventKind.MERGED, households, author, {"merge": merge.pk, "kept_person": kept.pk, "merged_person": merged.pk}
    )
    return merge


def _person_undo_obstacles(merge: MergeRecord) -> list[str]:
    persons = Person.objects.select_related("household").in_bulk([merge.kept_id, merge.merged_id])
    kept, merged = persons.get(merge.kept_id), persons.get(merge.merged_id)
    if kept is None or merged is None:
        return ["Une des deux personnes n'existe plus."]
    obstacles = []
    if merged.merged_into_id != kept.pk:
        obstacles.append(f"{merged} n'est plus fusionnée avec {kept}.")
    resource_ids = [pk for pk, _ in merge.moved.get("resources", [])]
    still = Resource.objects.filter(pk__in=resource_ids, person_id=kept.pk).count()
    if still != len(resource_ids):
        obstacles.append(f"{len(resource_ids) - still} ressource(s) déplacée(s) ne sont plus rattachées à {kept}.")
    if kept.aliases != merge.moved.get("aliases", kept.aliases):
        obstacles.append(f"Les autres noms de {kept} ont été modifiés depuis la fusion : rétablissez-les d'abord.")
    for person in (kept, merged):
        if person.household.status == codes.HouseholdStatus.MERGED:
            obstacles.append(
                f"Le dossier {person.household.reference} a été fusionné depuis : annulez d'abord cette fusion-là."
            )
    return obstacles


def _undo_person_merge(merge: MergeRecord, author: Author) -> None:
    obstacles = undo_obstacles(merge)
    if obstacles:
        raise ValidationError(["La fusion ne peut pas être annulée :", *obstacles])
    kept = Person.objects.select_related("household").get(pk=merge.kept_id)
    merged = Person.objects.select_related("household").get(pk=merge.merged_id)
    _lock_households(kept.household_id, merged.household_id)
    for pk, household_id in merge.moved.get("resources", []):
        Resource.objects.filter(pk=pk).update(person=merged, household_id=household_id)
    previous = merge.moved["previous"]
    Person.objects.filter(pk=kept.pk).update(aliases=previous["kept_aliases"], is_head=previous["kept_is_head"])
    Person.objects.filter(pk=merged.pk).update(merged_into=None, is_head=previous["merged_is_head"])
    households = {kept.household_id: kept.household, merged.household_id: merged.household}
    for household in households.values():
        touch(household, None)
        refresh_rights_blocks(household)
    _mark_undone(merge, author)
    payload = {"merge": merge.pk, "kept_person": kept.pk, "merged_person": merged.pk}
    _events(EventKind.MERGE_UNDONE, households.values(), author, payload)

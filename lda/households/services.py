"""Every write to the by-name list: validated, versioned, one transaction, with its domain events.

Views, the API, imports and the demo all call these functions, so a rule holds whoever writes.
Errors are `ValidationError` (French, per field), `TransitionRefused` or `StaleVersion`.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from lda.accounts.models import Territory
from lda.audit.log import record
from lda.audit.models import Action
from lda.core.validators import NIR_MESSAGE, contains_nir_like
from lda.households import codes, pathway, rights
from lda.households.ethos import KINDS
from lda.households.models import (
    Episode,
    EventKind,
    FieldChange,
    Household,
    HouseholdEvent,
    LivingSituation,
    Need,
    Orientation,
    Person,
    Referral,
    Resource,
)
from lda.households.normalise import name_key

STALE_MESSAGE = (
    "Ce dossier a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version à jour, puis recommencez."
)


class StaleVersion(Exception):
    def __init__(self, message=STALE_MESSAGE):
        super().__init__(message)


@dataclass(frozen=True)
class Author:
    """Who writes: the user and the organisation they act for (None for imports by command)."""

    user: object | None
    organisation_id: int

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)


# --- checks shared by forms, API and imports ----------------------------------------------------


def check_not_future(value: date | None, field_name: str, label: str, today: date | None = None):
    if value and value > (today or timezone.localdate()):
        raise ValidationError({field_name: f"{label} ne peut pas être dans le futur."})


EARLIEST_BIRTH_YEAR = 1900


def birth_date_problem(value: date | None, today: date | None = None) -> str | None:
    """The one plausibility rule for birth dates (forms, API and import): none in the future, none before 1900.

    Without the lower bound a year-1 date reached the duplicate search, whose date arithmetic
    overflowed (a 500 on the referral and person forms)."""
    if value is None:
        return None
    if value > (today or timezone.localdate()):
        return "La date de naissance ne peut pas être dans le futur."
    if value.year < EARLIEST_BIRTH_YEAR:
        return f"La date de naissance est invraisemblable : avant {EARLIEST_BIRTH_YEAR}."
    return None


def check_order(start: date | None, end: date | None, field_name: str, message: str):
    if start and end and end < start:
        raise ValidationError({field_name: message})


NUL_MESSAGE = "Le caractère nul n’est pas autorisé."  # the forms' own words (Django's validator, in French)


def text_problem(text: str) -> str | None:
    """The field validation every text obeys, in forms, API and import: no NUL, no social-security number."""
    if "\x00" in (text or ""):
        return NUL_MESSAGE
    if contains_nir_like(text or ""):
        return NIR_MESSAGE
    return None


def check_free_text(**fields):
    """Free text never holds a social-security number (spec 6)."""
    errors = {name: NIR_MESSAGE for name, text in fields.items() if contains_nir_like(text or "")}
    if errors:
        raise ValidationError(errors)


def check_situation_kind(kind: str):
    if kind not in KINDS:
        raise ValidationError({"kind": f"Situation inconnue : « {kind} » n'est rattachée à aucune catégorie ETHOS."})


# --- versions and events -------------------------------------------------------------------------


def touch(household: Household, expected_version: int | None, **changes) -> None:
    """Bumps the version if nobody saved in between; otherwise refuses (no lost update)."""
    qs = Household.objects.filter(pk=household.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    now = timezone.now()
    if not qs.update(version=F("version") + 1, updated_at=now, **changes):
        raise StaleVersion()
    record(Action.UPDATE, object_type="household", object_id=household.pk)
    household.version = (expected_version or household.version) + 1
    household.updated_at = now
    for name, value in changes.items():
        setattr(household, name, value)


def emit(household, kind, occurred_on, author: Author | None, payload=None, sensitive="", episode_id=None):
    return HouseholdEvent.objects.create(
        territory_id=household.territory_id,
        household=household,
        episode_id=episode_id or household.current_episode_id,
        kind=kind,
        occurred_on=occurred_on,
        user_id=author.user_id if author else None,
        organisation_id=author.organisation_id if author else None,
        payload=payload or {},
        sensitive=sensitive or "",
    )


def next_references(territory: Territory, count: int = 1, year: int | None = None) -> list[str]:
    """References 'AAAA-000123' unique per territory; the territory row is locked while counting."""
    Territory.objects.select_for_update().filter(pk=territory.pk).first()
    year = year or timezone.localdate().year
    prefix = f"{year}-"
    last = (
        Household.objects.filter(territory=territory, reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    start = int(last.split("-")[1]) + 1 if last else 1
    return [f"{prefix}{n:06d}" for n in range(start, start + count)]


# --- households and persons ----------------------------------------------------------------------


@dataclass
class PersonData:
    last_name: str
    first_name: str
    role: str = codes.PersonRole.ADULT
    birth_date: date | None = None
    birth_date_precision: str = codes.DatePrecision.DAY
    sex: str = codes.Sex.UNKNOWN
    administrative_status: str = codes.AdministrativeStatus.UNKNOWN
    aliases: str = ""
    is_head: bool = False


@dataclass
class ReferralData:
    referrer_kind: str
    received_on: date
    summary: str = ""
    situation_kind: str = ""
    situation_since: date | None = None
    persons: list[PersonData] = field(default_factory=list)
    priority_publics: list[str] = field(default_factory=list)
    consent_given: bool = False
    consent_on: date | None = None
    consent_kinds: list[str] = field(default_factory=list)


def check_person(data: PersonData):
    errors = {}
    if not data.last_name.strip():
        errors["last_name"] = "Le nom est obligatoire."
    if not data.first_name.strip():
        errors["first_name"] = "Le prénom est obligatoire."
    if problem := birth_date_problem(data.birth_date):
        errors["birth_date"] = problem
    if data.role not in codes.PersonRole.values:
        errors["role"] = f"Place dans le ménage inconnue : « {data.role} »."
    if contains_nir_like(data.aliases):
        errors["aliases"] = NIR_MESSAGE
    if data.sex not in codes.Sex.values:
        errors["sex"] = f"Sexe inconnu : « {data.sex} »."
    if data.administrative_status not in codes.AdministrativeStatus.values:
        errors["administrative_status"] = f"Situation administrative inconnue : « {data.administrative_status} »."
    if errors:
        raise ValidationError(errors)


def new_person(household, data: PersonData) -> Person:
    """An unsaved Person from checked data (services save it; the import bulk-creates it)."""
    return Person(
        household=household,
        last_name=data.last_name.strip(),
        first_name=data.first_name.strip(),
        aliases=data.aliases.strip(),
        birth_date=data.birth_date,
        birth_date_precision=data.birth_date_precision,
        sex=data.sex,
        role=data.role,
        administrative_status=data.administrative_status,
        is_head=data.is_head,
        name_key=name_key(data.last_name, data.first_name),
    )


def check_referral(data: ReferralData, new_household: bool):
    if data.referrer_kind not in codes.ReferrerKind.values:
        raise ValidationError({"referrer_kind": f"Type de prescripteur inconnu : « {data.referrer_kind} »."})
    check_not_future(data.received_on, "received_on", "La date de réception")
    unknown = set(data.priority_publics) - set(codes.PriorityPublic.values)
    if unknown:
        raise ValidationError({"priority_publics": f"Public prioritaire inconnu : {', '.join(sorted(unknown))}."})
    if new_household:
        if not data.persons:
            raise ValidationError({"persons": "Indiquez au moins une personne du ménage."})
        for person in data.persons:
            check_person(person)
        if not data.situation_kind:
            raise ValidationError({"situation_kind": "Indiquez la situation de logement actuelle."})
    if data.situation_kind:
        check_situation_kind(data.situation_kind)
        check_not_future(data.situation_since, "situation_since", "Le début de la situation")
    if data.consent_given and not data.consent_on:
        raise ValidationError({"consent_on": "Indiquez la date à laquelle la personne a donné son accord."})
    check_free_text(summary=data.summary)
    check_not_future(data.consent_on, "consent_on", "La date de l'accord")


@transaction.atomic
def receive_referral(
    territory: Territory, author: Author, data: ReferralData, household: Household | None = None
) -> Referral:
    """A fiche saisine for a new household, or for an existing one (a return if it had left)."""
    check_referral(data, new_household=household is None)
    if household is None:
        household = Household.objects.create(
            territory=territory,
            reference=next_references(territory)[0],
            created_by_organisation_id=author.organisation_id,
            priority_publics=sorted(set(data.priority_publics)),
            consent_given=data.consent_given,
            consent_on=data.consent_on if data.consent_given else None,
            consent_recorded_by=author.user if data.consent_given else None,
            consent_kinds=sorted(set(data.consent_kinds)) if data.consent_given else [],
        )
        episode = Episode.objects.create(household=household, number=1, opened_on=data.received_on)
        household.current_episode = episode
        household.save(update_fields=["current_episode"])
        persons = [new_person(household, p) for p in data.persons]
        if not any(p.is_head for p in persons):
            persons[0].is_head = True
        Person.objects.bulk_create(persons)
        emit(household, EventKind.HOUSEHOLD_CREATED, data.received_on, author, {"persons": len(persons)})
    else:
        household = Household.objects.select_for_update().get(pk=household.pk)
        if household.status in (
            codes.HouseholdStatus.LEFT,
            codes.HouseholdStatus.REORIENTED,
            codes.HouseholdStatus.CLOSED,
        ):
            _return(household, author, data.received_on)
        elif household.status == codes.HouseholdStatus.MERGED:
            raise ValidationError({"household": "Ce dossier a été fusionné dans un autre : saisissez l'autre dossier."})
        touch(household, None)
    referral = Referral.objects.create(
        territory=territory,
        household=household,
        referring_organisation_id=author.organisation_id,
        referrer_kind=data.referrer_kind,
        received_on=data.received_on,
        summary=data.summary.strip(),
        created_by=author.user,
    )
    emit(
        household,
        EventKind.REFERRAL_RECEIVED,
        data.received_on,
        author,
        {"referral": referral.pk, "referrer_kind": data.referrer_kind},
    )
    if data.situation_kind:
        record_situation(household, author, data.situation_kind, data.situation_since or data.received_on)
    return referral


@transaction.atomic
def start_study(referral: Referral, author: Author) -> None:
    referral.status = pathway.referral_target(referral.status, "start_study")
    referral.save(update_fields=["status"])
    household = referral.household
    if household.status == codes.HouseholdStatus.REFERRED:
        touch(household, None, status=pathway.target(household.status, "start_study"))
    emit(household, EventKind.STUDY_STARTED, timezone.localdate(), author, {"referral": referral.pk})


@dataclass
class DecisionData:
    decision: str
    decided_on: date
    measure: str = ""
    housing_search: bool = False
    accompanying_organisation_id: int | None = None
    reason: str = ""
    comment: str = ""


def check_decision(data: DecisionData, received_on: date | None):
    errors = {}
    if data.decision not in codes.Decision.values:
        errors["decision"] = f"Décision inconnue : « {data.decision} »."
    elif data.decision == codes.Decision.ORIENTED and not (data.measure or data.housing_search):
        errors["measure"] = "Une orientation mobilise une mesure, une recherche de logement, ou les deux."
    elif data.decision in (codes.Decision.REORIENTED, codes.Decision.CLOSED) and not data.reason:
        errors["reason"] = "Indiquez le motif de la réorientation ou de la clôture."
    if data.measure and data.measure not in codes.MeasureCode.values:
        errors["measure"] = f"Mesure inconnue : « {data.measure} »."
    if data.reason and data.reason not in codes.DecisionReason.values:
        errors["reason"] = f"Motif inconnu : « {data.reason} »."
    if contains_nir_like(data.comment):
        errors["comment"] = NIR_MESSAGE
    if data.decided_on and data.decided_on > timezone.localdate():
        errors["decided_on"] = "La date de décision ne peut pas être dans le futur."
    elif received_on and data.decided_on and data.decided_on < received_on:
        errors["decided_on"] = "La décision ne peut pas précéder la réception de la saisine."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decide(
    household: Household, author: Author, data: DecisionData, referral: Referral | None = None, expected_version=None
) -> Orientation:
    """The coordinator's decision on a referral (or a re-orientation of a household on the list)."""
    check_decision(data, referral.received_on if referral else None)
    new_status = pathway.target(household.status, pathway.DECISION_ACTIONS[data.decision])
    if referral is not None:
        referral.status = pathway.referral_target(referral.status, "decide")
        referral.save(update_fields=["status"])
    changes = {"status": new_status}
    episode = household.current_episode
    if data.decision == codes.Decision.ORIENTED:
        if data.accompanying_organisation_id:
            changes["accompanying_organisation_id"] = data.accompanying_organisation_id
        if household.entered_list_on is None:
            changes["entered_list_on"] = data.decided_on
    elif data.decision in (codes.Decision.REORIENTED, codes.Decision.CLOSED):
        changes["entered_list_on"] = None
    touch(household, expected_version, **changes)
    orientation = Orientation.objects.create(
        household=household,
        referral=referral,
        decision=data.decision,
        measure=data.measure,
        housing_search=data.housing_search,
        accompanying_organisation_id=data.accompanying_organisation_id,
        reason=data.reason,
        comment=data.comment.strip(),
        decided_on=data.decided_on,
        decided_by=author.user,
        delay_days=(data.decided_on - referral.received_on).days if referral else None,
    )
    emit(
        household,
        EventKind.ORIENTATION_DECIDED,
        data.decided_on,
        author,
        {
            "orientation": orientation.pk,
            "decision": data.decision,
            "measure": data.measure,
            "housing_search": data.housing_search,
            "reason": data.reason,
            "delay_days": orientation.delay_days,
        },
    )
    if data.decision == codes.Decision.ORIENTED and episode.entered_list_on is None:
        episode.entered_list_on = data.decided_on
        episode.save(update_fields=["entered_list_on"])
        emit(household, EventKind.LIST_ENTERED, data.decided_on, author, {"episode": episode.number})
    elif data.decision in (codes.Decision.REORIENTED, codes.Decision.CLOSED):
        episode.left_on = data.decided_on
        episode.save(update_fields=["left_on"])
    return orientation


@transaction.atomic
def record_situation(
    household: Household, author: Author, kind: str, started_on: date, detail: str = "", expected_version=None
) -> LivingSituation:
    """Appends a situation; the previous one ends where this one starts (the history is kept)."""
    check_situation_kind(kind)
    check_not_future(started_on, "started_on", "Le début de la situation")
    check_free_text(detail=detail)
    previous = household.situations.filter(ended_on__isnull=True).order_by("-started_on", "-pk").first()
    if previous is not None:
        check_order(
            previous.started_on,
            started_on,
            "started_on",
            f"La nouvelle situation ne peut pas commencer avant la précédente (depuis le {previous.started_on:%d/%m/%Y}).",
        )
        previous.ended_on = started_on
        previous.save(update_fields=["ended_on"])
    situation = LivingSituation.objects.create(
        household=household,
        kind=kind,
        ethos=KINDS[kind].ethos,
        started_on=started_on,
        detail=detail.strip(),
        recorded_by=author.user,
    )
    touch(household, expected_version, current_ethos=situation.ethos)
    emit(
        household,
        EventKind.SITUATION_RECORDED,
        started_on,
        author,
        {"kind": kind, "ethos": situation.ethos},
        sensitive=KINDS[kind].sensitive or "",
    )
    return situation


@transaction.atomic
def add_person(household: Household, author: Author, data: PersonData, expected_version=None) -> Person:
    check_person(data)
    touch(household, expected_version)
    person = new_person(household, data)
    person.save()
    emit(household, EventKind.PERSON_ADDED, timezone.localdate(), author, {"role": data.role})
    return person


@transaction.atomic
def update_household(household: Household, author: Author, expected_version: int, **changes) -> list[str]:
    """Saves changed fields of the file; the event names the fields, never their values."""
    changed = [name for name, value in changes.items() if getattr(household, name) != value]
    if not changed:
        return []
    check_free_text(**{name: changes.get(name) for name in ("notes", "whereabouts", "sne_number") if name in changes})
    check_not_future(changes.get("dalo_on"), "dalo_on", "La date DALO")
    check_not_future(changes.get("sne_filed_on"), "sne_filed_on", "La date de dépôt")
    check_not_future(changes.get("consent_on"), "consent_on", "La date de l'accord")
    check_order(
        changes.get("sne_filed_on", household.sne_filed_on),
        changes.get("sne_renewed_on", household.sne_renewed_on),
        "sne_renewed_on",
        "Le renouvellement ne peut pas précéder le dépôt de la demande.",
    )
    before = {name: getattr(household, name) for name in changed}
    touch(household, expected_version, **{name: changes[name] for name in changed})
    log_changes(
        household, None, rights.changes_of(Household, before, {name: changes[name] for name in changed}), author
    )
    sensitive = codes.Sensitive.NOTES if "notes" in changed else ""
    emit(household, EventKind.HOUSEHOLD_UPDATED, timezone.localdate(), author, {"fields": sorted(changed)}, sensitive)
    return changed


@transaction.atomic
def set_protected_viewers(household: Household, author: Author, users) -> None:
    """The people named on a protected file (the author always among them, so that someone is)."""
    wanted = {u.pk for u in users} | ({author.user_id} if author.user_id else set())
    current = set(household.protected_viewers.values_list("pk", flat=True))
    if wanted == current:
        return
    household.protected_viewers.set(wanted)
    touch(household, None)
    emit(household, EventKind.PROTECTION_CHANGED, timezone.localdate(), author, {"viewers": len(wanted)})


@transaction.atomic
def record_need(household: Household, author: Author, kind: str, status: str, expected_version=None) -> Need:
    if kind not in codes.NeedKind.values:
        raise ValidationError({"kind": f"Besoin inconnu : « {kind} »."})
    if status not in codes.NeedStatus.values:
        raise ValidationError({"status": f"État inconnu : « {status} »."})
    touch(household, expected_version)
    need, _ = Need.objects.update_or_create(
        household=household, kind=kind, defaults={"status": status, "updated_on": timezone.localdate()}
    )
    emit(
        household,
        EventKind.NEED_RECORDED,
        timezone.localdate(),
        author,
        {"kind": kind, "status": status},
        codes.NEED_SENSITIVE.get(kind, ""),
    )
    return need


@transaction.atomic
def record_resource(
    household: Household,
    author: Author,
    kind: str,
    monthly_amount,
    person: Person | None = None,
    requested_on=None,
    opened_on=None,
    expected_version=None,
) -> Resource:
    resource = Resource(
        household=household,
        person=person,
        kind=kind,
        monthly_amount=monthly_amount,
        requested_on=requested_on,
        opened_on=opened_on,
    )
    if kind not in codes.ResourceKind.values:
        raise ValidationError({"kind": f"Type de ressource inconnu : « {kind} »."})
    check_not_future(requested_on, "requested_on", "La date de demande")
    check_not_future(opened_on, "opened_on", "La date d'ouverture")
    resource.clean()
    touch(household, expected_version)
    resource.save()
    emit(household, EventKind.RESOURCE_RECORDED, opened_on or timezone.localdate(), author, {"kind": kind})
    return resource


@transaction.atomic
def record_contact(household: Household, author: Author, on: date, expected_version=None) -> None:
    check_not_future(on, "on", "La date du contact")
    last = household.last_contact_on
    touch(household, expected_version, last_contact_on=max(on, last) if last else on)
    emit(household, EventKind.CONTACT_RECORDED, on, author)


@transaction.atomic
def leave_list(
    household: Household, author: Author, on: date, reason: str, housed_in: str = "", expected_version=None
) -> None:
    """Leaving always has a reason and a date; 'housed' names the kind of home (spec 1)."""
    if reason not in codes.ExitReason.values:
        raise ValidationError({"reason": "Indiquez le motif de sortie."})
    if reason == codes.ExitReason.HOUSED and housed_in not in codes.HomeType.values:
        raise ValidationError({"housed_in": "Indiquez le type de logement dans lequel le ménage est entré."})
    if reason != codes.ExitReason.HOUSED:
        housed_in = ""
    check_not_future(on, "on", "La date de sortie")
    episode = household.current_episode
    check_order(
        episode.entered_list_on or episode.opened_on,
        on,
        "on",
        f"La sortie ne peut pas précéder l'entrée sur la liste ({(episode.entered_list_on or episode.opened_on):%d/%m/%Y}).",
    )
    status = pathway.target(household.status, "leave")
    touch(household, expected_version, status=status)
    episode.left_on, episode.exit_reason, episode.housed_in = on, reason, housed_in
    episode.save(update_fields=["left_on", "exit_reason", "housed_in"])
    emit(
        household,
        EventKind.LIST_LEFT,
        on,
        author,
        {"reason": reason, "housed_in": housed_in, "episode": episode.number},
    )


def _return(household: Household, author: Author, on: date) -> Episode:
    previous = household.current_episode
    check_order(previous.left_on or previous.opened_on, on, "received_on", "Le retour ne peut pas précéder la sortie.")
    status = pathway.target(household.status, "return")
    episode = Episode.objects.create(household=household, number=previous.number + 1, opened_on=on, previous=previous)
    touch(household, None, status=status, current_episode=episode, entered_list_on=None)
    emit(household, EventKind.LIST_RETURNED, on, author, {"episode": episode.number, "previous": previous.number})
    return episode


@transaction.atomic
def return_to_list(household: Household, author: Author, on: date, expected_version=None) -> Episode:
    check_not_future(on, "on", "La date du retour")
    if expected_version is not None and household.version != expected_version:
        raise StaleVersion()
    return _return(household, author, on)


# --- rectification history and rights of the person (spec 6) --------------------------------------


def log_changes(household: Household, person: Person | None, changes: list, author: Author | None) -> None:
    """Appends the rectification history of one write (one query)."""
    if not changes:
        return
    FieldChange.objects.bulk_create(
        [
            FieldChange(
                territory_id=household.territory_id,
                household=household,
                person=person,
                model="person" if person is not None else "household",
                field=c.field,
                label=c.label[:120],
                section=c.section,
                values_kept=c.values_kept,
                old_value=c.old_value,
                new_value=c.new_value,
                author_id=author.user_id if author else None,
                organisation_id=author.organisation_id if author else None,
            )
            for c in changes
        ]
    )


PERSON_FIELDS = (
    "last_name",
    "first_name",
    "aliases",
    "birth_date",
    "birth_date_precision",
    "sex",
    "role",
    "administrative_status",
)


def _check_person_belongs(household: Household, person: Person) -> None:
    if person.household_id != household.pk or person.merged_into_id is not None:
        raise ValidationError({"person": "Cette personne ne fait pas (ou plus) partie de ce ménage."})


@transaction.atomic
def update_person(
    household: Household, person: Person, author: Author, data: PersonData, expected_version: int | None
) -> list[str]:
    """Rectifies a person's identity: checked like a new person, the household's version bumped,
    each changed field kept in the history; the event names the fields, never their values."""
    _check_person_belongs(household, person)
    check_person(data)
    fresh = new_person(household, data)
    after = {name: getattr(fresh, name) for name in PERSON_FIELDS}
    before = {name: getattr(person, name) for name in PERSON_FIELDS}
    changed = [name for name in PERSON_FIELDS if before[name] != after[name]]
    if not changed:
        return []
    touch(household, expected_version)
    for name in changed:
        setattr(person, name, after[name])
    person.name_key = fresh.name_key
    person.save(update_fields=[*changed, "name_key"])
    log_changes(household, person, rights.changes_of(Person, before, after), author)
    sensitive = codes.Sensitive.LEGAL if "administrative_status" in changed else ""
    emit(household, EventKind.PERSON_UPDATED, timezone.localdate(), author, {"fields": sorted(changed)}, sensitive)
    return changed


def household_blocks(household: Household, exclude: Person | None = None, extra=()) -> list[str]:
    """The uses stopped for the household by its persons' flags (codes.RIGHTS_EFFECTS)."""
    flags = set(extra)
    # A merged person's request still holds for the person they were merged into.
    persons = Person.objects.filter(Q(household=household) | Q(merged_into__household=household))
    if exclude is not None:
        persons = persons.exclude(pk=exclude.pk)
    for restricted, opposed in persons.values_list("rights_restricted", "rights_opposed"):
        if restricted:
            flags.add(codes.RightsFlag.RESTRICTED)
        if opposed:
            flags.add(codes.RightsFlag.OPPOSED)
    return codes.rights_blocks(flags)


@transaction.atomic
def set_rights(
    household: Household,
    person: Person,
    author: Author,
    request: rights.RightsRequest,
    expected_version: int | None,
) -> list[str]:
    """Records (or lifts) a person's restriction or opposition; the household's `rights_blocks`
    follow in the same transaction, so sharing, matching and exports honour it at once."""
    _check_person_belongs(household, person)
    errors = rights.check_rights(request, timezone.localdate(), timezone.localdate(household.created_at))
    if errors:
        raise ValidationError(errors)
    check_free_text(reason=request.reason)
    after = {
        "rights_restricted": request.restricted,
        "rights_restricted_on": request.restricted_on if request.restricted else None,
        "rights_opposed": request.opposed,
        "rights_opposed_on": request.opposed_on if request.opposed else None,
        "rights_reason": request.reason.strip() if (request.restricted or request.opposed) else "",
    }
    before = {name: getattr(person, name) for name in after}
    changed = [name for name in after if before[name] != after[name]]
    if not changed:
        return []
    flags = [
        f
        for f, on in ((codes.RightsFlag.RESTRICTED, request.restricted), (codes.RightsFlag.OPPOSED, request.opposed))
        if on
    ]
    blocks = household_blocks(household, exclude=person, extra=flags)
    touch(household, expected_version, rights_blocks=blocks)
    for name in changed:
        setattr(person, name, after[name])
    person.rights_recorded_by = author.user
    person.save(update_fields=[*changed, "rights_recorded_by"])
    log_changes(household, person, rights.changes_of(Person, before, after), author)
    emit(
        household,
        EventKind.RIGHTS_RECORDED,
        timezone.localdate(),
        author,
        {"restricted": request.restricted, "opposed": request.opposed, "blocks": blocks},
    )
    return changed


def refresh_rights_blocks(household: Household) -> None:
    """Recomputes `rights_blocks` after persons moved (merges and their undoing)."""
    blocks = household_blocks(household)
    if blocks != (household.rights_blocks or []):
        Household.objects.filter(pk=household.pk).update(rights_blocks=blocks)
        household.rights_blocks = blocks

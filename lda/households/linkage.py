"""Record linkage: may this person already be on the by-name list?

A pure engine scores two person records; a thin adapter prefilters the territory's persons in
the database, then scores the few candidates in Python.

Scoring (`compare`), in [0, 1]:

- a **name score** N is the best agreement between the two names, each taken in its written form
  and in the forms of its aliases (another surname with the same first name, or a full other name):
  same names 1.0; same names in another order (first and last swapped) 0.95; same pronunciation
  with a simple French phonetic key (Dupond/Dupont, Mohamed/Mohammed, Philippe/Filipe) 0.9; compound
  names sharing one part on both sides (Marie-Claire/Marie, Dupont-Martin/Dupont) 0.85; close
  spelling (Jaro-Winkler of both surnames and both first names at least `CLOSE_SPELLING`) 0.95 × the
  mean similarity. Accents, case, hyphens and apostrophes never count (`normalise.fold`). A match
  through an alias counts 0.95 of the direct one. Names that agree in none of these ways: N = 0,
  and the pair scores 0 whatever the dates (a birth date alone never makes a duplicate).
- a **date score** D compares the birth dates with their precision (`codes.DatePrecision`): same
  day 1.0; one day apart 0.85; day and month swapped 0.85; same month and year when one is known to
  the month 0.9, or when both are exact but the day differs 0.5 (a typo in the day); same year when
  one is known only by its year 0.75; years at most two apart when one is approximate 0.6; other
  dates 0 (homonyms born on different dates are different people). An unknown date is neutral:
  D = `UNKNOWN_DATE`.
- score = `NAME_WEIGHT` × N + (1 − `NAME_WEIGHT`) × D. Same names and same date: 1.0; same names,
  no date: 0.82; close spelling and same date: about 0.94; same names but dates of different
  years would make 0.6, below `THRESHOLD`: dates that no name could make up for give 0 at once
  (which also spares the name comparisons on most pairs).
- a **common name** is weaker evidence: when the dates do not agree precisely (D < `PRECISE_DATE`:
  unknown, same year, approximate), the score loses `COMMON_NAME_PENALTY` × log2(n − 1), n being the
  number of persons of the territory bearing that name (Martin Marie born "around 1960" is not
  enough when the territory has ten of them; an exact or near birth date still is).

Every reason is a short French phrase shown to the person entering the record or to the coordinator.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from lda.households import codes
from lda.households.normalise import fold as _fold_text
from lda.households.normalise import name_key

THRESHOLD = 0.75
NAME_WEIGHT = 0.6
UNKNOWN_DATE = 0.55
CLOSE_SPELLING = 0.85
PRECISE_DATE = 0.85
COMMON_NAME_PENALTY = 0.05
ALIAS_FACTOR = 0.95
# Bounds of the database work, whatever the territory's size.
CANDIDATE_CAP = 400
BLOCK_CAP = 60

# Names repeat a lot in a territory: folding and phonetic keys are cached.
fold = lru_cache(maxsize=100_000)(_fold_text)

VAGUE = frozenset({codes.DatePrecision.YEAR, codes.DatePrecision.APPROXIMATE})


# --- the pure engine ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRecord:
    last_name: str
    first_name: str
    aliases: str = ""
    birth_date: date | None = None
    precision: str = codes.DatePrecision.DAY

    @property
    def birth_date_precision(self) -> str:  # the name templates know from Person
        return self.precision

    @classmethod
    def of(cls, person) -> "PersonRecord":
        """From a `Person` or a `services.PersonData`."""
        return cls(
            last_name=person.last_name or "",
            first_name=person.first_name or "",
            aliases=person.aliases or "",
            birth_date=person.birth_date,
            precision=person.birth_date_precision or codes.DatePrecision.DAY,
        )


@dataclass(frozen=True)
class Comparison:
    score: float
    reasons: tuple[str, ...] = ()

    @property
    def likely(self) -> bool:
        return self.score >= THRESHOLD


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity in [0, 1] (1: identical); tolerant of typos and transpositions."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    a_matched = [False] * len(a)
    b_matched = [False] * len(b)
    matches = 0
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not b_matched[j] and b[j] == char:
                a_matched[i] = b_matched[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    a_chars = [c for c, m in zip(a, a_matched, strict=True) if m]
    b_chars = [c for c, m in zip(b, b_matched, strict=True) if m]
    transpositions = sum(x != y for x, y in zip(a_chars, b_chars, strict=True)) / 2
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


# Ordered rewrites of a simple French phonetic key (in the spirit of Soundex-FR / Phonex).
_PHONETIC_RULES = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"[^a-z]", ""),
        (r"^h", ""),
        (r"ph", "f"),
        (r"th", "t"),
        (r"s?ch|sh", "$"),
        (r"qu|q|ck", "k"),
        (r"gu(?=[eiy])", "g"),
        (r"c(?=[eiy])", "s"),
        (r"g(?=[eiy])", "j"),
        (r"c", "k"),
        (r"gn", "n"),
        (r"h", ""),
        (r"w", "v"),
        (r"y", "i"),
        (r"z", "s"),
        (r"bv", "v"),
        (r"e?au", "o"),
        (r"[ae]i", "e"),
        (r"ou", "u"),
        (r"(.)\1+", r"\1"),
        (r"[ae][mn](?=[^aeiou]|$)", "A"),
        (r"(?:[ae]?i|u)[mn](?=[^aeiou]|$)", "I"),
        (r"(.)\1+", r"\1"),
        (r"[dstxe]+$", ""),
    )
]


@lru_cache(maxsize=100_000)
def phonetic(text: str) -> str:
    """'Dupond' and 'Dupont', 'Mohamed' and 'Mohammed', 'Philippe' and 'Filipe' sound alike."""
    key = fold(text)
    for pattern, replacement in _PHONETIC_RULES:
        key = pattern.sub(replacement, key)
    return key or fold(text).replace(" ", "")


@dataclass(frozen=True)
class _Form:
    """One way of writing a name: folded surname and first name, and whether it comes from an alias."""

    last: str
    first: str
    alias: bool = False

    @property
    def tokens(self) -> frozenset[str]:
        return frozenset((self.last + " " + self.first).split())


def _forms(record: PersonRecord) -> tuple[_Form, ...]:
    return _forms_of(record.last_name, record.first_name, record.aliases or "")


@lru_cache(maxsize=200_000)
def _forms_of(last_name: str, first_name: str, aliases: str) -> tuple[_Form, ...]:
    last, first = fold(last_name), fold(first_name)
    forms = [_Form(last, first)] if last or first else []
    for piece in re.split(r"[,;/]", aliases):
        folded = fold(piece)
        if not folded:
            continue
        forms.append(_Form(folded, first, alias=True))  # another surname (maiden name, spelling)
        words = folded.split()
        if len(words) > 1:  # a full other name: try it both ways
            forms.append(_Form(words[0], " ".join(words[1:]), alias=True))
            forms.append(_Form(" ".join(words[1:]), words[0], alias=True))
    return tuple(forms)


def _compare_forms(a: _Form, b: _Form) -> tuple[float, str]:
    if not (a.last and a.first and b.last and b.first):
        return 0.0, ""
    if a.last == b.last and a.first == b.first:
        return 1.0, "mêmes nom et prénom"
    if a.last == b.first and a.first == b.last or a.tokens == b.tokens:
        return 0.95, "mêmes noms dans un autre ordre"
    pa_last, pa_first, pb_last, pb_first = phonetic(a.last), phonetic(a.first), phonetic(b.last), phonetic(b.first)
    if (pa_last, pa_first) == (pb_last, pb_first) or (pa_last, pa_first) == (pb_first, pb_last):
        return 0.9, "noms qui se prononcent de la même façon"
    a_last, a_first, b_last, b_first = (set(x.split()) for x in (a.last, a.first, b.last, b.first))
    if (a_last & b_last and a_first & b_first) or (a_last & b_first and a_first & b_last):
        return 0.85, "nom composé en partie identique"
    best = 0.0
    for x_last, x_first in ((b.last, b.first), (b.first, b.last)):
        last, first = jaro_winkler(a.last, x_last), jaro_winkler(a.first, x_first)
        if min(last, first) >= CLOSE_SPELLING:
            best = max(best, 0.95 * (last + first) / 2)
    if best:
        return best, "orthographe proche"
    return 0.0, ""


def compare_names(a: PersonRecord, b: PersonRecord) -> tuple[float, str]:
    best, reason = 0.0, ""
    for form_a in _forms(a):
        for form_b in _forms(b):
            score, why = _compare_forms(form_a, form_b)
            if form_a.alias or form_b.alias:
                score *= ALIAS_FACTOR
                why = f"{why} (par un autre nom connu)" if why else why
            if score > best:
                best, reason = score, why
    return best, reason


def compare_dates(a: date | None, a_precision: str, b: date | None, b_precision: str) -> tuple[float | None, str]:
    """The date score and its reason; (None, '') when a date is unknown (neutral)."""
    if a is None or b is None:
        return None, ""
    precisions = {a_precision, b_precision}
    if codes.DatePrecision.APPROXIMATE in precisions:
        if a.year == b.year:
            return 0.75, "même année de naissance"
        if abs(a.year - b.year) <= 2:
            return 0.6, "année de naissance proche (date approximative)"
        return 0.0, "dates de naissance différentes"
    if codes.DatePrecision.YEAR in precisions:
        if a.year == b.year:
            return 0.75, "même année de naissance"
        return 0.0, "dates de naissance différentes"
    if codes.DatePrecision.MONTH in precisions:
        if (a.year, a.month) == (b.year, b.month):
            return 0.9, "même mois de naissance"
        return 0.0, "dates de naissance différentes"
    if a == b:
        return 1.0, "même date de naissance"
    if abs((a - b).days) == 1:
        return 0.85, "dates de naissance à un jour près"
    if a.year == b.year and (a.day, a.month) == (b.month, b.day):
        return 0.85, "jour et mois inversés"
    if (a.year, a.month) == (b.year, b.month):
        return 0.5, "même mois et même année de naissance"
    return 0.0, "dates de naissance différentes"


def compare(a: PersonRecord, b: PersonRecord, bearers: int = 1) -> Comparison:
    """`bearers`: how many persons of the territory bear this name (1 when unknown)."""
    dates, date_reason = compare_dates(a.birth_date, a.precision, b.birth_date, b.precision)
    date_score = UNKNOWN_DATE if dates is None else dates
    if NAME_WEIGHT + (1 - NAME_WEIGHT) * date_score < THRESHOLD:
        return Comparison(0.0)  # even the same names could not make up for these dates
    name, name_reason = compare_names(a, b)
    if not name:
        return Comparison(0.0)
    score = NAME_WEIGHT * name + (1 - NAME_WEIGHT) * date_score
    if date_score < PRECISE_DATE and bearers > 2:
        # A common name with no precise date agreement is weak evidence: homonyms are expected.
        score -= COMMON_NAME_PENALTY * math.log2(bearers - 1)
    score = round(max(score, 0.0), 3)
    reasons = (name_reason, date_reason or "date de naissance inconnue d'un côté")
    return Comparison(min(score, 1.0), reasons)


# --- the database adapter -----------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateMatch:
    person_id: int
    household_id: int
    household_reference: str
    score: float
    reasons: tuple[str, ...]
    index: int = 0  # which of the persons asked about matched


_COLUMNS = (
    "pk",
    "household_id",
    "household__reference",
    "last_name",
    "first_name",
    "aliases",
    "birth_date",
    "birth_date_precision",
    "household__version",
)


def _living_persons(territory_id):
    from lda.households.models import Person

    return (
        Person.objects.filter(household__territory_id=territory_id, merged_into__isnull=True)
        .exclude(household__status=codes.HouseholdStatus.MERGED)
        .order_by()
    )


def _row_record(row) -> PersonRecord:
    return PersonRecord(row[3], row[4], row[5], row[6], row[7])


def _near_dates(day: date) -> set[date]:
    near = {day}
    for step in (-1, 1):  # a day at the edge of the calendar (year 1, year 9999) has one neighbour
        try:
            near.add(day + timedelta(days=step))
        except OverflowError:
            pass
    if day.day <= 12:
        try:
            near.add(day.replace(month=day.day, day=day.month))
        except ValueError:
            pass
    return near


def _prefilter(record: PersonRecord):
    """A Q on Person reaching every candidate the score could flag, through few, selective terms."""
    from django.db.models import Q

    keys = {name_key(f.last, f.first) for f in _forms(record)}
    condition = Q(name_key__in=sorted(keys))
    tokens = sorted({t for f in _forms(record) for t in f.tokens if len(t) >= 3})
    by_token = Q(pk__in=[])
    for token in tokens:
        by_token |= Q(name_key__contains=token)
    day = record.birth_date
    if day is None:
        return condition
    if record.precision == codes.DatePrecision.DAY:
        condition |= Q(birth_date__in=sorted(_near_dates(day)))
    # Same year (or month) with a vague date on either side: only if a name part is shared.
    spread = 2 if record.precision == codes.DatePrecision.APPROXIMATE else 0
    if tokens:
        start = date(max(day.year - spread, date.min.year), 1, 1)
        end = date(min(day.year + spread, date.max.year), 12, 31)
        year_range = Q(birth_date__gte=start, birth_date__lte=end)
        if record.precision == codes.DatePrecision.DAY:
            month_start = day.replace(day=1)
            month_end = (month_start + timedelta(days=32)).replace(day=1) if day < date(9999, 12, 1) else date.max
            year_range &= Q(birth_date_precision__in=[*VAGUE, codes.DatePrecision.MONTH]) | Q(
                birth_date__gte=month_start, birth_date__lt=month_end
            )
        condition |= year_range & by_token
    return condition


def possible_duplicates(territory_id, persons, exclude_household_id=None, limit=5) -> list[DuplicateMatch]:
    """Persons of the territory who may be one of `persons` (services.PersonData): one query."""
    from django.db.models import Q

    records = [(i, PersonRecord.of(p)) for i, p in enumerate(persons)]
    records = [(i, r) for i, r in records if fold(r.last_name) and fold(r.first_name)]
    if not records:
        return []
    condition = Q(pk__in=[])
    for _, record in records:
        condition |= _prefilter(record)
    candidates = _living_persons(territory_id).filter(condition)
    if exclude_household_id is not None:
        candidates = candidates.exclude(household_id=exclude_household_id)
    best: dict[int, DuplicateMatch] = {}
    for row in candidates.values_list(*_COLUMNS)[:CANDIDATE_CAP]:
        other = _row_record(row)
        for index, record in records:
            # No common-name penalty here: at entry a warning costs a tick, a missed duplicate a lot.
            result = compare(record, other)
            if result.likely and (row[0] not in best or result.score > best[row[0]].score):
                best[row[0]] = DuplicateMatch(row[0], row[1], row[2], result.score, result.reasons, index)
    return sorted(best.values(), key=lambda m: (-m.score, m.person_id))[:limit]


@dataclass(frozen=True)
class PersonRow:
    person_id: int
    household_id: int
    household_reference: str
    record: PersonRecord = field(compare=False)
    household_version: int = 0


@dataclass(frozen=True)
class DuplicatePair:
    first: PersonRow
    second: PersonRow
    score: float
    reasons: tuple[str, ...]

    @property
    def same_household(self) -> bool:
        return self.first.household_id == self.second.household_id


def _initials(record: PersonRecord) -> str:
    """First letters of the first word of each name, in order-free form (swaps and compounds agree)."""
    words = [fold(record.last_name).split(), fold(record.first_name).split()]
    return "".join(sorted(w[0][0] for w in words if w))


@lru_cache(maxsize=200_000)
def _name_blocks(last_name: str, first_name: str, aliases: str) -> frozenset[str]:
    """The phonetic keys of every form of a name, word order ignored (cached: names repeat)."""
    record = PersonRecord(last_name, first_name, aliases)
    return frozenset(" ".join(sorted(phonetic(t) for t in form.tokens)) for form in _forms(record))


@lru_cache(maxsize=200_000)
def _initials(last_name: str, first_name: str) -> str:
    """First letters of the first word of each name, in order-free form (swaps and compounds agree)."""
    words = [fold(last_name).split(), fold(first_name).split()]
    return "".join(sorted(w[0][0] for w in words if w))


def _block_keys(record: PersonRecord) -> set[tuple]:
    """Blocks of persons worth comparing: same phonetic name (any order), or same initials and a
    birth date equal, a day apart or with day and month swapped (probed by `_probe_keys`)."""
    keys = {("name", key) for key in _name_blocks(record.last_name, record.first_name, record.aliases)}
    if record.birth_date is not None and record.precision not in VAGUE:
        keys.add(("date", record.birth_date, _initials(record.last_name, record.first_name)))
    return keys


def _probe_keys(record: PersonRecord, keys: set[tuple]) -> set[tuple]:
    if record.birth_date is None or record.precision in VAGUE:
        return keys
    initials = _initials(record.last_name, record.first_name)
    return keys | {("date", near, initials) for near in _near_dates(record.birth_date)}


def pairs_among(rows: list[PersonRow], limit: int) -> list[DuplicatePair]:
    """The likeliest pairs among `rows`, comparing only within blocks of at most BLOCK_CAP persons."""
    blocks: dict[tuple, list[int]] = {}
    probes = []
    for position, row in enumerate(rows):
        keys = _block_keys(row.record)
        for key in keys:
            blocks.setdefault(key, []).append(position)
        probes.append(_probe_keys(row.record, keys))
    bearers = [
        max(len(blocks[("name", key)]) for key in _name_blocks(r.record.last_name, r.record.first_name, ""))
        if fold(r.record.last_name + r.record.first_name)
        else 1
        for r in rows
    ]
    seen: set[tuple[int, int]] = set()
    found = []
    for position, row in enumerate(rows):
        for key in probes[position]:
            members = blocks.get(key, ())
            if len(members) > BLOCK_CAP:
                continue  # a very common name: left to the search at entry time
            for other in members:
                if other <= position or (position, other) in seen:
                    continue
                seen.add((position, other))
                result = compare(row.record, rows[other].record, max(bearers[position], bearers[other]))
                if result.likely:
                    found.append(DuplicatePair(row, rows[other], result.score, result.reasons))
    found.sort(key=lambda p: (-p.score, p.first.person_id, p.second.person_id))
    return found[:limit]


def duplicate_pairs(territory_id, limit=100) -> list[DuplicatePair]:
    """Candidate pairs of the territory for the coordinator: one query, bounded comparisons."""
    rows = [
        PersonRow(row[0], row[1], row[2], _row_record(row), row[8])
        for row in _living_persons(territory_id).order_by("pk").values_list(*_COLUMNS)
    ]
    return pairs_among(rows, limit)

"""Import of households from a spreadsheet (xlsx or csv) as an SIAO exports them (issue item 9).

Two steps, both driven by `check`:

1. the dry run reads the whole file and reports every problem with its line number as the user
   sees it in the spreadsheet (the header is line 1), the column and a French reason;
2. the import (a background task, `task_handlers.py`) checks the file again and writes the valid
   households with `write`, in one transaction, through bulk inserts.

Rows sharing a "Référence ménage" are the persons of one household; household columns may be
repeated on each row (they must then agree) or given once. A household with any invalid row is
never imported partly: it is left out whole, and only if the user chose to import the valid ones.
Messages never repeat names or birth dates (the report is kept with the task).
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from lda.access.policy import Actor, Grant
from lda.accounts.roles import OrganisationKind
from lda.audit.log import record
from lda.audit.models import Action
from lda.households import codes, services
from lda.households.ethos import ETHOS_CATEGORIES, KINDS, SITUATION_KINDS, kind_for_ethos
from lda.households.models import (
    Episode,
    EventKind,
    Household,
    HouseholdEvent,
    LivingSituation,
    Orientation,
    Person,
    Referral,
)
from lda.households.services import PersonData, next_references

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Bounds on what a small file may make the reader do (issue 18): lines read, blank ones included;
# columns read per line (a sheet may declare 16 384 of them); bytes once unpacked (the 5 MB limit is
# on the compressed file: a sheet of shared strings unpacked to 1.3 GB of memory).
MAX_LINES = 2 * MAX_ROWS
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
BATCH = 1000  # households written per round of bulk inserts
ADULT_AGE = 18

ERROR, WARNING = "error", "warning"
PERSON, HOUSEHOLD = "person", "household"


# --- the columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as written in the template
    level: str  # PERSON: one value per row; HOUSEHOLD: one value per household
    required: bool
    help: str
    aliases: tuple[str, ...] = ()


def _labels(choices) -> str:
    return ", ".join(label for _, label in choices)


COLUMNS: tuple[Column, ...] = (
    Column(
        "reference",
        "Référence ménage",
        HOUSEHOLD,
        True,
        "L'identifiant du ménage dans votre fichier : les lignes de même référence sont les personnes d'un même "
        "ménage. Le ménage reçoit une nouvelle référence LDA.",
        ("reference", "ref menage", "numero menage", "identifiant menage", "id menage", "reference du menage"),
    ),
    Column("last_name", "Nom", PERSON, True, "Nom de la personne.", ("nom de famille", "nom d usage")),
    Column("first_name", "Prénom", PERSON, True, "Prénom de la personne.", ("prenoms",)),
    Column("aliases", "Autres noms", PERSON, False, "Autres noms ou graphies connus.", ("autres noms ou graphies",)),
    Column(
        "birth_date",
        "Date de naissance",
        PERSON,
        False,
        "jj/mm/aaaa ; mm/aaaa ou aaaa seule quand seul le mois ou l'année est connu.",
        ("ne le", "nee le", "date naissance"),
    ),
    Column("sex", "Sexe", PERSON, False, "F ou H (femme, homme) ; vide si non renseigné."),
    Column(
        "role",
        "Place dans le ménage",
        PERSON,
        False,
        "adulte, enfant ou autre ; vide : adulte, ou enfant si la personne a moins de 18 ans.",
        ("place", "role", "role dans le menage", "lien"),
    ),
    Column(
        "administrative_status",
        "Situation administrative",
        PERSON,
        False,
        f"{_labels(codes.AdministrativeStatus.choices)} ; vide si non renseignée.",
    ),
    Column(
        "situation",
        "Situation de logement",
        HOUSEHOLD,
        True,
        "La situation actuelle : un code, un libellé de la liste des situations, ou une catégorie ETHOS de 1 à 13.",
        ("situation", "situation actuelle", "ethos", "categorie ethos"),
    ),
    Column(
        "situation_since",
        "Depuis le",
        HOUSEHOLD,
        False,
        "jj/mm/aaaa ; vide : la date de la saisine.",
        ("date de debut de la situation", "situation depuis le"),
    ),
    Column(
        "situation_until",
        "Fin de la situation",
        HOUSEHOLD,
        False,
        "jj/mm/aaaa, si la situation a pris fin ; pas avant « Depuis le ».",
        ("jusqu au", "situation jusqu au"),
    ),
    Column("received_on", "Date de la saisine", HOUSEHOLD, True, "jj/mm/aaaa.", ("date saisine", "saisine le")),
    Column(
        "referrer_kind",
        "Prescripteur",
        HOUSEHOLD,
        True,
        f"Qui oriente le ménage : {_labels(codes.ReferrerKind.choices)}.",
        ("type de prescripteur", "orienteur"),
    ),
    Column(
        "priority_publics",
        "Publics prioritaires",
        HOUSEHOLD,
        False,
        f"Séparés par des virgules ou des points-virgules : {_labels(codes.PriorityPublic.choices)}.",
        ("public prioritaire",),
    ),
    Column(
        "sne_number",
        "Numéro unique",
        HOUSEHOLD,
        False,
        "Numéro unique de la demande de logement social (SNE).",
        ("numero unique de demande", "numero sne", "nud"),
    ),
    Column(
        "sne_filed_on",
        "Date de dépôt",
        HOUSEHOLD,
        False,
        "jj/mm/aaaa : dépôt de la demande de logement social.",
        ("date de depot de la demande",),
    ),
    Column("dalo", "DALO", HOUSEHOLD, False, "oui ou non : reconnu prioritaire DALO.", ("reconnu dalo",)),
    Column("dalo_on", "Date DALO", HOUSEHOLD, False, "jj/mm/aaaa : date de la décision DALO.", ("date decision dalo",)),
    Column(
        "consent",
        "Accord de partage",
        HOUSEHOLD,
        False,
        "oui ou non : la personne a été informée et accepte le partage ; vide : non.",
        ("accord", "consentement"),
    ),
    Column(
        "consent_on",
        "Date de l'accord",
        HOUSEHOLD,
        False,
        "jj/mm/aaaa ; obligatoire si l'accord est « oui ».",
    ),
    Column(
        "consent_kinds",
        "Partenaires autorisés",
        HOUSEHOLD,
        False,
        f"Catégories de partenaires avec qui partager, séparées par des virgules : {_labels(OrganisationKind.choices)}.",
    ),
    Column(
        "entered_on",
        "Date d'entrée sur la liste",
        HOUSEHOLD,
        False,
        "jj/mm/aaaa : le ménage a été orienté et est entré sur la liste ; pas avant la saisine.",
        ("entree sur la liste", "date d entree"),
    ),
    Column(
        "measure",
        "Mesure",
        HOUSEHOLD,
        False,
        f"Mesure mobilisée à l'entrée sur la liste : {_labels(codes.MeasureCode.choices)}.",
    ),
    Column(
        "left_on",
        "Date de sortie",
        HOUSEHOLD,
        False,
        "jj/mm/aaaa : sortie de la liste ; pas avant l'entrée.",
        ("sortie le", "date de sortie de la liste"),
    ),
    Column(
        "exit_reason",
        "Motif de sortie",
        HOUSEHOLD,
        False,
        f"Obligatoire avec une date de sortie : {_labels(codes.ExitReason.choices)}.",
    ),
    Column(
        "housed_in",
        "Logement d'entrée",
        HOUSEHOLD,
        False,
        f"Obligatoire quand le motif est « logé » : {_labels(codes.HomeType.choices)}.",
        ("type de logement",),
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED = tuple(column for column in COLUMNS if column.required)
# Headers that would bring the social-security number: never imported (spec 6).
_NOT_WORD = re.compile(r"[^a-z0-9]+")
NIR_HEADERS = {"nir", "numero de securite sociale", "n securite sociale", "numero ss", "securite sociale"}


def _key(text) -> str:
    """Compares words whatever the case, accents, punctuation and inclusive dots (Réfugié·e)."""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("·", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_NOT_WORD.sub(" ", plain).split())


def _reference(text: str) -> str:
    """References match whatever the case and spacing ("m-001" is "M-001")."""
    return " ".join(text.upper().split())


HEADERS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.key, *_column.aliases):
        HEADERS.setdefault(_key(_name), _column.key)


# --- vocabularies: codes, French labels and common spellings -------------------------------------


def vocabulary(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in choices:
        variants = (code, label, label.split("(")[0], re.sub(r"·\w+", "", label), *label.split(" / "))
        for variant in variants:
            if _key(variant):
                table.setdefault(_key(variant), code)
    for word, code in (extra or {}).items():
        table[_key(word)] = code
    return table


SEXES = vocabulary(
    codes.Sex.choices,
    {"h": "M", "feminin": "F", "masculin": "M", "nr": "U", "inconnu": "U", "non renseigne": "U"},
)
ROLES = vocabulary(
    codes.PersonRole.choices,
    {"adultes": "adult", "enfants": "child", "chef de menage": "adult", "conjoint": "adult", "conjointe": "adult"},
)
ADMINISTRATIVE = vocabulary(
    codes.AdministrativeStatus.choices,
    {
        "francaise": "french",
        "francais": "french",
        "ue": "eu",
        "union europeenne": "eu",
        "refugie": "refugee",
        "protection subsidiaire": "refugee",
        "demandeur d asile": "asylum_seeker",
        "demandeuse d asile": "asylum_seeker",
        "sans papiers": "undocumented",
        "sans titre": "undocumented",
        "non renseignee": "unknown",
        "inconnue": "unknown",
    },
)
REFERRERS = vocabulary(codes.ReferrerKind.choices, {"maraude": "outreach", "mairie": "ccas", "personne": "self"})
PRIORITIES = vocabulary(
    codes.PriorityPublic.choices,
    {
        "victime de violences": "violence_victim",
        "femmes victimes de violences": "violence_victim",
        "jeune de moins de 25 ans": "under_25",
        "sortie d ase": "leaving_ase",
        "sortant ase": "leaving_ase",
        "sortie de prison": "leaving_prison",
        "sortant de prison": "leaving_prison",
        "monoparentale": "single_parent",
        "expulsion": "evicted",
    },
)
MEASURES = vocabulary(codes.MeasureCode.choices)
EXIT_REASONS = vocabulary(
    codes.ExitReason.choices,
    {"logee": "housed", "relogé": "housed", "relogee": "housed", "deces": "deceased", "refus": "declined"},
)
HOME_TYPES = vocabulary(codes.HomeType.choices, {"hlm": "social", "prive": "private", "parc social": "social"})
ORGANISATION_KINDS = vocabulary(OrganisationKind.choices)
SITUATIONS = vocabulary([(kind.code, kind.label) for kind in SITUATION_KINDS], {"rue": "street", "115": "hotel_115"})
YES = {"oui", "o", "yes", "y", "1", "x", "vrai", "true"}
NO = {"non", "n", "no", "0", "faux", "false"}
_ETHOS = re.compile(r"^(?:ethos\s*)?(\d{1,2})$")


# --- reading the file ----------------------------------------------------------------------------


class _FormulaWithoutValue:
    """A spreadsheet cell holding a formula but no computed value (the file was never recalculated)."""

    def __str__(self):
        return ""


FORMULA_WITHOUT_VALUE = _FormulaWithoutValue()
FORMULA_MESSAGE = (
    "Formule sans valeur enregistrée : ouvrez le fichier dans le tableur, laissez-le calculer, "
    "enregistrez-le, puis importez-le à nouveau."
)


class FileRefused(Exception):
    """The whole file is refused (unreadable, empty, too big…): a French message."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list]]  # (line as the user sees it, cells)


def read_table(content: bytes) -> Table:
    if not content:
        raise FileRefused("Le fichier est vide.")
    if len(content) > MAX_BYTES:
        raise FileRefused(f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo : découpez-le en plusieurs fichiers.")
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRefused("Les fichiers .xls (Excel 97-2003) ne sont pas lus : enregistrez-le en .xlsx ou en .csv.")
    return _read_csv(content)


def _rows_of(raw_rows) -> Table:
    headers = None
    rows: list[tuple[int, list]] = []
    for index, cells in enumerate(raw_rows, start=1):
        if index > MAX_LINES:
            raise FileRefused(
                f"Le fichier dépasse {MAX_LINES:,} lignes".replace(",", " ")
                + ", lignes vides comprises : supprimez les lignes vides ou découpez-le."
            )
        cells = list(cells)
        if headers is None:
            if any(_text(c) for c in cells):
                headers = [_text(c) for c in cells]
            continue
        if not any(_text(c) for c in cells):
            continue  # blank lines are skipped but keep their number
        if len(rows) >= MAX_ROWS:
            raise FileRefused(f"Le fichier contient plus de {MAX_ROWS:,} lignes : découpez-le.".replace(",", " "))
        rows.append((index, cells))
    if headers is None:
        raise FileRefused("Le fichier est vide : aucune ligne d'en-tête.")
    if not rows:
        raise FileRefused("Le fichier ne contient aucune ligne de données sous l'en-tête.")
    return Table(headers, rows)


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook  # heavy: loaded only when a spreadsheet comes

    _check_unpacked_size(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileRefused("Le fichier est illisible : ce n'est pas un classeur Excel (.xlsx) valide.") from exc
    except Exception as exc:  # openpyxl raises its own errors for broken parts
        raise FileRefused("Le fichier est illisible : ce n'est pas un classeur Excel (.xlsx) valide.") from exc
    try:
        sheet = workbook.worksheets[0]
        bounds = {"max_col": MAX_COLUMNS, "max_row": MAX_LINES + 1, "values_only": True}
        rows = sheet.iter_rows(**bounds)
        if _has_formulas(content):
            formulas = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
            try:
                return _rows_of(_mark_formulas(rows, formulas.worksheets[0].iter_rows(**bounds)))
            finally:
                formulas.close()
        return _rows_of(rows)
    except FileRefused:
        raise
    except Exception as exc:  # cells are parsed while the rows are read: a broken cell raises here
        raise FileRefused(
            "Le fichier est illisible : une cellule du classeur est mal formée "
            "(par exemple un nombre contenant du texte). Enregistrez-le à nouveau depuis le tableur."
        ) from exc
    finally:
        workbook.close()


def _check_unpacked_size(content: bytes) -> None:
    """Refuses a workbook whose parts, once unpacked, exceed MAX_UNPACKED_BYTES (read from the zip's directory)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused("Le fichier est illisible : ce n'est pas un classeur Excel (.xlsx) valide.") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRefused(
            f"Le classeur décompressé dépasse {MAX_UNPACKED_BYTES // (1024 * 1024)} Mo : "
            "enregistrez-le en .csv ou découpez-le en plusieurs fichiers."
        )


def _has_formulas(content: bytes) -> bool:
    """Whether a worksheet holds a formula (`<f>`), read by chunks: the sheet is never unpacked whole."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as stream:
                    tail = b""
                    while chunk := stream.read(64 * 1024):
                        if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                            return True
                        tail = chunk[-3:]
    return False


def _mark_formulas(values, formulas):
    """The computed values, with FORMULA_WITHOUT_VALUE where a formula has no stored value."""
    for computed, written in zip(values, formulas, strict=False):
        yield [
            FORMULA_WITHOUT_VALUE if value is None and isinstance(formula, str) and formula.startswith("=") else value
            for value, formula in zip(computed, (*written, *([None] * (len(computed) - len(written)))), strict=False)
        ]


def decode(content: bytes) -> str:
    """UTF-8 with or without BOM; otherwise Windows-1252, as French Excel writes csv."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def _read_csv(content: bytes) -> Table:
    if b"\x00" in content[:4096]:
        raise FileRefused("Le fichier est illisible : enregistrez-le en .xlsx ou en .csv (UTF-8 ou Windows).")
    text = decode(content)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(first_line))
    try:
        return _rows_of(reader)
    except csv.Error as exc:
        raise FileRefused(f"Le fichier csv est mal formé à la ligne {reader.line_num} : {_csv_reason(exc)}.") from exc


# The csv module's reasons are English; the user reads French (never the module's words).
_CSV_REASONS = (
    ("field larger than field limit", "une cellule dépasse {limit} caractères"),
    ("new-line character seen in unquoted field", "un retour à la ligne dans une cellule sans guillemets"),
    ("line contains nul", "un caractère nul"),
    ("expected after", "un guillemet mal fermé"),
    ("unexpected end of data", "le fichier s'arrête au milieu d'une cellule entre guillemets"),
)


def _csv_reason(exc: csv.Error) -> str:
    english = str(exc).lower()
    for words, french in _CSV_REASONS:
        if words in english:
            return french.format(limit=f"{csv.field_size_limit():,}".replace(",", "\u202f"))
    return "la structure des lignes est invalide (guillemets ou séparateurs)"


# --- reading one cell ----------------------------------------------------------------------------


class CellError(Exception):
    """A French reason why a cell is refused."""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


_DAY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_date(value, partial: bool = False) -> tuple[date | None, str]:
    """(date, precision); `partial` accepts mm/aaaa and aaaa (birth dates). Raises CellError."""
    expected = "jj/mm/aaaa, mm/aaaa ou aaaa attendu" if partial else "jj/mm/aaaa attendu"
    if value is None or value == "":
        return None, codes.DatePrecision.DAY
    if isinstance(value, datetime):
        return value.date(), codes.DatePrecision.DAY
    if isinstance(value, date):
        return value, codes.DatePrecision.DAY
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1000 <= value <= 2999:
            value = str(int(value))  # a year typed in a number cell
        else:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(value).date(), codes.DatePrecision.DAY
            except (ValueError, OverflowError, TypeError, AttributeError) as exc:
                raise CellError(f"Date mal formée ({expected}).") from exc
    text = str(value).strip()
    try:
        if match := _DAY.match(text):
            day, month, year = map(int, match.groups())
            return date(year, month, day), codes.DatePrecision.DAY
        if match := _ISO.match(text):
            year, month, day = map(int, match.groups())
            return date(year, month, day), codes.DatePrecision.DAY
        if partial and (match := _MONTH.match(text)):
            month, year = map(int, match.groups())
            return date(year, month, 1), codes.DatePrecision.MONTH
        if partial and (match := _YEAR.match(text)):
            return date(int(match.group(1)), 1, 1), codes.DatePrecision.YEAR
    except ValueError as exc:
        raise CellError("Date impossible : le jour ou le mois n'existe pas.") from exc
    if _YEAR.match(text):
        raise CellError("Date incomplète : jj/mm/aaaa attendu (l'année seule n'est admise que pour la naissance).")
    raise CellError(f"Date mal formée ({expected}).")


def parse_choice(value, table: dict[str, str], what: str) -> str:
    text = _text(value)
    if not text:
        return ""
    code = table.get(_key(text))
    if code is None:
        raise CellError(f"{what} : valeur inconnue « {text[:60]} ».")
    return code


def parse_list(value, table: dict[str, str], what: str) -> list[str]:
    found, unknown = [], []
    for part in re.split(r"[;,]", _text(value)):
        if not part.strip():
            continue
        code = table.get(_key(part))
        (found if code else unknown).append(code or part.strip()[:60])
    if unknown:
        quoted = ", ".join(f"« {u} »" for u in unknown)
        raise CellError(
            f"{what} : valeur{'s' if len(unknown) > 1 else ''} inconnue{'s' if len(unknown) > 1 else ''} {quoted}."
        )
    return sorted(set(found))


def parse_yes_no(value) -> bool | None:
    text = _key(_text(value))
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(f"« {_text(value)[:20]} » : oui ou non attendu.")


def parse_situation(value) -> str:
    text = _text(value)
    if not text:
        return ""
    if match := _ETHOS.match(_key(text)):
        number = int(match.group(1))
        if number not in ETHOS_CATEGORIES:
            raise CellError(f"Catégorie ETHOS inconnue : « {number} » (de 1 à 13).")
        return kind_for_ethos(number).code
    code = SITUATIONS.get(_key(text))
    if code is None:
        raise CellError(
            f"Situation de logement inconnue : « {text[:60]} » (ni un code, ni un libellé, ni ETHOS 1 à 13)."
        )
    return code


def parse_text(value, max_length: int, what: str) -> str:
    text = " ".join(_text(value).split())
    if len(text) > max_length:
        raise CellError(f"{what} trop long ({len(text)} caractères, {max_length} au plus).")
    return text


# --- checking the rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: the whole file
    column: str
    message: str
    level: str = ERROR

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message, "level": self.level}


@dataclass
class ParsedHousehold:
    reference: str
    lines: list[int] = field(default_factory=list)
    persons: list[PersonData] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # household columns: key → parsed value
    value_lines: dict = field(default_factory=dict)  # key → line that gave it
    refused: set = field(default_factory=set)  # keys with a refused cell (not reported missing again)
    valid: bool = True


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    households: list[ParsedHousehold] = field(default_factory=list)
    rows: int = 0
    invalid_lines: set[int] = field(default_factory=set)
    refused: bool = False  # a file-level error: nothing can be imported

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    @property
    def valid_households(self) -> list[ParsedHousehold]:
        return [h for h in self.households if h.valid]

    @property
    def excluded_lines(self) -> list[int]:
        return sorted(line for h in self.households if not h.valid for line in h.lines)

    @property
    def clean(self) -> bool:
        return not self.refused and not self.errors

    def summary(self) -> dict:
        valid = self.valid_households
        return {
            "rows": self.rows,
            "households": len(self.households),
            "persons": sum(len(h.lines) for h in self.households),
            "valid_rows": self.rows - len(self.invalid_lines),
            "invalid_rows": len(self.invalid_lines),
            "valid_households": len(valid),
            "valid_persons": sum(len(h.persons) for h in valid),
            "invalid_households": len(self.households) - len(valid),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def to_json(self) -> dict:
        return {
            "summary": self.summary(),
            "refused": self.refused,
            "clean": self.clean,
            "problems": [p.as_dict() for p in self.problems],
            "excluded_lines": self.excluded_lines,
        }


def _map_headers(headers: list[str], report: Report) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        folded = _key(header)
        key = HEADERS.get(folded)
        if key is None:
            if folded in NIR_HEADERS:
                message = f"Colonne « {header} » ignorée : le numéro de sécurité sociale n'est jamais importé."
            else:
                message = f"Colonne « {header} » inconnue : elle est ignorée."
            report.problems.append(Problem(1, header, message, WARNING))
        elif key in positions:
            report.problems.append(
                Problem(1, header, f"La colonne « {BY_KEY[key].header} » est présente deux fois : gardez-en une.")
            )
            report.refused = True
        else:
            positions[key] = index
    missing = [column.header for column in REQUIRED if column.key not in positions]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        report.problems.append(
            Problem(1, "", f"Colonne{plural} obligatoire{plural} absente{plural} : {', '.join(missing)}.")
        )
        report.refused = True
    return positions


HOUSEHOLD_PARSERS: dict[str, Callable] = {
    "situation": parse_situation,
    "situation_since": lambda v: parse_date(v)[0],
    "situation_until": lambda v: parse_date(v)[0],
    "received_on": lambda v: parse_date(v)[0],
    "referrer_kind": lambda v: parse_choice(v, REFERRERS, "Prescripteur"),
    "priority_publics": lambda v: parse_list(v, PRIORITIES, "Public prioritaire"),
    "sne_number": lambda v: parse_text(v, 30, "Numéro unique"),
    "sne_filed_on": lambda v: parse_date(v)[0],
    "dalo": parse_yes_no,
    "dalo_on": lambda v: parse_date(v)[0],
    "consent": parse_yes_no,
    "consent_on": lambda v: parse_date(v)[0],
    "consent_kinds": lambda v: parse_list(v, ORGANISATION_KINDS, "Catégorie de partenaire"),
    "entered_on": lambda v: parse_date(v)[0],
    "measure": lambda v: parse_choice(v, MEASURES, "Mesure"),
    "left_on": lambda v: parse_date(v)[0],
    "exit_reason": lambda v: parse_choice(v, EXIT_REASONS, "Motif de sortie"),
    "housed_in": lambda v: parse_choice(v, HOME_TYPES, "Logement d'entrée"),
}
DATE_COLUMNS = {"situation_since", "situation_until", "received_on", "sne_filed_on", "dalo_on", "consent_on"}
DATE_COLUMNS |= {"entered_on", "left_on"}
EMPTY = (None, "", [])


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _text_rules(line, cells, positions, problems) -> None:
    """The services' field validation on every column of the row (no NUL, no NIR): the forms refuse both.
    A formula without its value is named as such (it was reported as a missing value)."""
    for key, index in positions.items():
        if index >= len(cells):
            continue
        if cells[index] is FORMULA_WITHOUT_VALUE:
            problems.append(Problem(line, BY_KEY[key].header, FORMULA_MESSAGE))
        elif problem := services.text_problem(_text(cells[index])):
            problems.append(Problem(line, BY_KEY[key].header, problem))


def _person(line, cells, positions, today, problems) -> PersonData | None:
    def cell(key):
        return cells[positions[key]] if key in positions and positions[key] < len(cells) else None

    def refuse(key, message):
        problems.append(Problem(line, BY_KEY[key].header, message))

    values = {}
    refused = set()
    for key, length, what in (
        ("last_name", 100, "Nom"),
        ("first_name", 100, "Prénom"),
        ("aliases", 300, "Autres noms"),
    ):
        try:
            values[key] = parse_text(cell(key), length, what)
        except CellError as exc:
            refuse(key, str(exc))
            refused.add(key)
            values[key] = ""
        if cell(key) is FORMULA_WITHOUT_VALUE:
            refused.add(key)
    # A value refused for what it holds (too long, a formula without its value) is not also "missing".
    if not values["last_name"] and "last_name" not in refused:
        refuse("last_name", "Nom manquant.")
    if not values["first_name"] and "first_name" not in refused:
        refuse("first_name", "Prénom manquant.")
    birth, precision = None, codes.DatePrecision.DAY
    try:
        birth, precision = parse_date(cell("birth_date"), partial=True)
        if problem := services.birth_date_problem(birth, today):
            refuse("birth_date", problem)
    except CellError as exc:
        refuse("birth_date", str(exc))
    choices = {}
    for key, table, what in (
        ("sex", SEXES, "Sexe"),
        ("role", ROLES, "Place dans le ménage"),
        ("administrative_status", ADMINISTRATIVE, "Situation administrative"),
    ):
        try:
            choices[key] = parse_choice(cell(key), table, what)
        except CellError as exc:
            refuse(key, str(exc))
            choices[key] = ""
    role = choices["role"]
    if not role:
        role = codes.PersonRole.CHILD if birth and _age(birth, today) < ADULT_AGE else codes.PersonRole.ADULT
    return PersonData(
        last_name=values["last_name"],
        first_name=values["first_name"],
        aliases=values["aliases"],
        birth_date=birth,
        birth_date_precision=precision,
        sex=choices["sex"] or codes.Sex.UNKNOWN,
        role=role,
        administrative_status=choices["administrative_status"] or codes.AdministrativeStatus.UNKNOWN,
    )


def _household_cells(line, cells, positions, today, household, problems) -> None:
    """Reads the household columns of one row; a value differing from an earlier row is an error."""
    for key, parse in HOUSEHOLD_PARSERS.items():
        if key not in positions or positions[key] >= len(cells):
            continue
        header = BY_KEY[key].header
        try:
            value = parse(cells[positions[key]])
        except CellError as exc:
            problems.append(Problem(line, header, str(exc)))
            household.refused.add(key)
            continue
        if value in EMPTY:
            continue
        if key in DATE_COLUMNS and value > today:
            problems.append(Problem(line, header, f"« {header} » est dans le futur."))
            household.refused.add(key)
            continue
        if key in household.values:
            if household.values[key] != value:
                first = household.value_lines[key]
                problems.append(
                    Problem(
                        line,
                        header,
                        f"Valeur différente de celle de la ligne {first} pour le même ménage : "
                        "les lignes d'un ménage doivent concorder.",
                    )
                )
            continue
        household.values[key] = value
        household.value_lines[key] = line


def _household_rules(household: ParsedHousehold) -> list[Problem]:
    """Rules across the columns of one household (each reported where the value was given)."""
    v, where = household.values, household.value_lines
    first = household.lines[0]
    problems = []

    def refuse(key, message, line=None):
        problems.append(Problem(line or where.get(key, first), BY_KEY[key].header, message))

    for key, message in (
        ("situation", "Situation de logement manquante pour ce ménage."),
        ("received_on", "Date de la saisine manquante pour ce ménage."),
        ("referrer_kind", "Prescripteur manquant pour ce ménage."),
    ):
        if key not in v and key not in household.refused:
            refuse(key, message)
    since = v.get("situation_since") or v.get("received_on")
    if v.get("situation_until") and since and v["situation_until"] < since:
        refuse("situation_until", "La situation ne peut pas finir avant d'avoir commencé (« Depuis le »).")
    if v.get("dalo_on") and not v.get("dalo"):
        refuse("dalo_on", "Une date DALO est donnée mais « DALO » ne vaut pas « oui ».")
    if v.get("consent") and not v.get("consent_on"):
        refuse("consent_on", "Indiquez la date à laquelle la personne a donné son accord.", where["consent"])
    if v.get("consent_kinds") and not v.get("consent"):
        refuse("consent_kinds", "Des partenaires sont autorisés sans « Accord de partage » à « oui ».")
    entered, left = v.get("entered_on"), v.get("left_on")
    if entered and v.get("received_on") and entered < v["received_on"]:
        refuse("entered_on", "L'entrée sur la liste ne peut pas précéder la saisine.")
    if v.get("measure") and not entered and "entered_on" not in household.refused:
        refuse("measure", "Une mesure suppose une date d'entrée sur la liste.")
    if left and not entered:
        if "entered_on" not in household.refused:
            refuse("left_on", "Une sortie suppose une date d'entrée sur la liste.")
    elif left and left < entered:
        refuse("left_on", "La sortie ne peut pas précéder l'entrée sur la liste.")
    if left and not v.get("exit_reason"):
        refuse(
            "exit_reason", "Motif de sortie manquant : il est obligatoire avec une date de sortie.", where["left_on"]
        )
    if v.get("exit_reason") and not left:
        refuse(
            "left_on", "Date de sortie manquante : elle est obligatoire avec un motif de sortie.", where["exit_reason"]
        )
    if v.get("exit_reason") == codes.ExitReason.HOUSED and not v.get("housed_in"):
        refuse("housed_in", "Indiquez le type de logement dans lequel le ménage est entré.", where["exit_reason"])
    return problems


CHECK_PROGRESS_EVERY = 500  # rows between two progress reports of the dry run


def check(content: bytes, today: date | None = None, progress: Callable | None = None) -> Report:
    """The dry run: every row checked, every problem with its line; nothing is written.

    `progress(done, total, label)`, when given, hears how many rows are checked (the dry run is a
    background task: `task_handlers.check_households`)."""
    today = today or timezone.localdate()
    progress = progress or (lambda *args, **kwargs: None)
    report = Report()
    progress(0, 0, "Lecture du fichier")
    try:
        table = read_table(content)
    except FileRefused as exc:
        report.problems.append(Problem(None, "", str(exc)))
        report.refused = True
        return report
    positions = _map_headers(table.headers, report)
    if report.refused:
        report.rows = len(table.rows)
        return report
    households: dict[str, ParsedHousehold] = {}
    problems: list[Problem] = []
    total = len(table.rows)
    progress(0, total, "Vérification des lignes")
    for line, cells in table.rows:
        report.rows += 1
        if report.rows % CHECK_PROGRESS_EVERY == 0:
            progress(report.rows, total, "Vérification des lignes")
        before = len(problems)
        _text_rules(line, cells, positions, problems)
        reference = _text(cells[positions["reference"]]) if positions["reference"] < len(cells) else ""
        person = _person(line, cells, positions, today, problems)
        if not reference:
            problems.append(Problem(line, BY_KEY["reference"].header, "Référence du ménage manquante."))
            # An orphan row is a household of its own, left out whole.
            household = ParsedHousehold(reference="", lines=[line], valid=False)
            report.households.append(household)
        else:
            household = households.get(_reference(reference))
            if household is None:
                household = households[_reference(reference)] = ParsedHousehold(reference=reference[:60])
                report.households.append(household)
            household.lines.append(line)
            household.persons.append(person)
            _household_cells(line, cells, positions, today, household, problems)
        if len(problems) > before:
            report.invalid_lines.add(line)
    for household in households.values():
        rules = _household_rules(household)
        problems.extend(rules)
        report.invalid_lines.update(p.line for p in rules)
    for household in report.households:
        if any(line in report.invalid_lines for line in household.lines):
            household.valid = False
        elif household.persons:
            heads = [p for p in household.persons if p.role == codes.PersonRole.ADULT] or household.persons
            heads[0].is_head = True
    progress(total, total, "Recherche des personnes en double")
    problems.extend(_duplicates_within(report.households))
    order = {column.header: index for index, column in enumerate(COLUMNS)}
    report.problems.extend(sorted(problems, key=lambda p: (p.line or 0, order.get(p.column, 99))))
    return report


MAX_DUPLICATE_WARNINGS = 500


def _duplicates_within(households: list[ParsedHousehold]) -> list[Problem]:
    """Warnings for the likely duplicate persons within the file, by the rule of the forms' warning
    (`linkage`): three identical rows made one household with three copies of the person."""
    from lda.households.linkage import PersonRecord, PersonRow, pairs_among

    rows = [
        PersonRow(
            line,
            index,
            household.reference,
            PersonRecord(
                person.last_name, person.first_name, person.aliases, person.birth_date, person.birth_date_precision
            ),
        )
        for index, household in enumerate(households)
        for line, person in zip(household.lines, household.persons, strict=False)
        if person is not None and (person.last_name or person.first_name)
    ]
    warnings = []
    for pair in pairs_among(rows, MAX_DUPLICATE_WARNINGS):
        first, second = sorted((pair.first, pair.second), key=lambda row: row.person_id)
        where = "du même ménage" if pair.same_household else f"du ménage « {first.household_reference} »"
        warnings.append(
            Problem(
                second.person_id,
                BY_KEY["last_name"].header,
                f"Personne probablement en double avec la ligne {first.person_id} ({where}) : "
                "vérifiez avant d'importer.",
                level=WARNING,
            )
        )
    return warnings


# --- writing -------------------------------------------------------------------------------------


def _status(values) -> str:
    if values.get("left_on"):
        return codes.HouseholdStatus.LEFT
    if values.get("entered_on"):
        return codes.HouseholdStatus.ON_LIST
    return codes.HouseholdStatus.REFERRED


def write(
    households: list[ParsedHousehold],
    *,
    territory,
    organisation,
    user,
    role: str,
    progress: Callable | None = None,
) -> dict:
    """Creates the households with their persons, situation, referral, orientation and events.

    Call it inside a transaction (the task runner's): it writes in bulk and relies on it to undo
    everything if any step fails. The importing organisation created the files; it is also the
    pathway referent when it is a SIAO.
    """
    progress = progress or (lambda *args, **kwargs: None)
    total = len(households)
    progress(0, total, "Création des ménages")
    references = next_references(territory, total) if total else []
    referent_id = organisation.pk if organisation.kind == OrganisationKind.SIAO else None
    user_id = getattr(user, "pk", None)
    created: list[list] = []
    persons_count = 0
    for start in range(0, total, BATCH):
        batch = households[start : start + BATCH]
        now = timezone.now()
        rows = [
            Household(
                territory=territory,
                reference=references[start + offset],
                status=_status(h.values),
                created_by_organisation=organisation,
                referent_organisation_id=referent_id,
                current_ethos=KINDS[h.values["situation"]].ethos,
                entered_list_on=h.values.get("entered_on"),
                priority_publics=h.values.get("priority_publics", []),
                sne_number=h.values.get("sne_number", ""),
                sne_filed_on=h.values.get("sne_filed_on"),
                sne_active=bool(h.values.get("sne_number")) and h.values.get("exit_reason") != codes.ExitReason.HOUSED,
                dalo_recognised=bool(h.values.get("dalo")),
                dalo_on=h.values.get("dalo_on"),
                consent_given=bool(h.values.get("consent")),
                consent_on=h.values.get("consent_on") if h.values.get("consent") else None,
                consent_recorded_by_id=user_id if h.values.get("consent") else None,
                consent_kinds=h.values.get("consent_kinds", []) if h.values.get("consent") else [],
                created_at=now,
                updated_at=now,
            )
            for offset, h in enumerate(batch)
        ]
        Household.objects.bulk_create(rows)
        episodes = [
            Episode(
                household=row,
                number=1,
                opened_on=h.values["received_on"],
                entered_list_on=h.values.get("entered_on"),
                left_on=h.values.get("left_on"),
                exit_reason=h.values.get("exit_reason", ""),
                housed_in=h.values.get("housed_in", "")
                if h.values.get("exit_reason") == codes.ExitReason.HOUSED
                else "",
            )
            for row, h in zip(rows, batch, strict=True)
        ]
        Episode.objects.bulk_create(episodes)
        Household.objects.filter(pk__in=[row.pk for row in rows]).update(
            current_episode_id=Subquery(Episode.objects.filter(household_id=OuterRef("pk"), number=1).values("pk")[:1])
        )
        persons = []
        for row, h in zip(rows, batch, strict=True):
            for data in h.persons:
                person = services.new_person(row, data)
                person.created_at = now
                persons.append(person)
        Person.objects.bulk_create(persons, batch_size=2000)
        persons_count += len(persons)
        situations = [
            LivingSituation(
                household=row,
                kind=h.values["situation"],
                ethos=KINDS[h.values["situation"]].ethos,
                started_on=h.values.get("situation_since") or h.values["received_on"],
                ended_on=h.values.get("situation_until"),
                recorded_by_id=user_id,
                recorded_at=now,
            )
            for row, h in zip(rows, batch, strict=True)
        ]
        LivingSituation.objects.bulk_create(situations)
        referrals = [
            Referral(
                territory=territory,
                household=row,
                referring_organisation=organisation,
                referrer_kind=h.values["referrer_kind"],
                received_on=h.values["received_on"],
                status=codes.ReferralStatus.DECIDED if h.values.get("entered_on") else codes.ReferralStatus.RECEIVED,
                created_by_id=user_id,
                created_at=now,
            )
            for row, h in zip(rows, batch, strict=True)
        ]
        Referral.objects.bulk_create(referrals)
        orientations = {}
        for row, h, referral in zip(rows, batch, referrals, strict=True):
            if h.values.get("entered_on"):
                orientations[row.pk] = Orientation(
                    household=row,
                    referral=referral,
                    decision=codes.Decision.ORIENTED,
                    measure=h.values.get("measure", ""),
                    housing_search=True,
                    decided_on=h.values["entered_on"],
                    decided_by_id=user_id,
                    delay_days=(h.values["entered_on"] - h.values["received_on"]).days,
                    created_at=now,
                )
        Orientation.objects.bulk_create(list(orientations.values()))
        events = []
        for row, h, episode, referral, situation in zip(rows, batch, episodes, referrals, situations, strict=True):
            event = partial(
                HouseholdEvent,
                territory=territory,
                household=row,
                episode=episode,
                recorded_at=now,
                user_id=user_id,
                organisation=organisation,
            )
            received = h.values["received_on"]
            events.append(
                event(kind=EventKind.HOUSEHOLD_CREATED, occurred_on=received, payload={"persons": len(h.persons)})
            )
            events.append(
                event(
                    kind=EventKind.REFERRAL_RECEIVED,
                    occurred_on=received,
                    payload={"referral": referral.pk, "referrer_kind": referral.referrer_kind},
                )
            )
            events.append(
                event(
                    kind=EventKind.SITUATION_RECORDED,
                    occurred_on=situation.started_on,
                    payload={"kind": situation.kind, "ethos": situation.ethos},
                    sensitive=KINDS[situation.kind].sensitive or "",
                )
            )
            orientation = orientations.get(row.pk)
            if orientation is not None:
                events.append(
                    event(
                        kind=EventKind.ORIENTATION_DECIDED,
                        occurred_on=orientation.decided_on,
                        payload={
                            "orientation": orientation.pk,
                            "decision": orientation.decision,
                            "measure": orientation.measure,
                            "housing_search": orientation.housing_search,
                            "reason": "",
                            "delay_days": orientation.delay_days,
                        },
                    )
                )
                events.append(
                    event(kind=EventKind.LIST_ENTERED, occurred_on=orientation.decided_on, payload={"episode": 1})
                )
            if episode.left_on:
                events.append(
                    event(
                        kind=EventKind.LIST_LEFT,
                        occurred_on=episode.left_on,
                        payload={"reason": episode.exit_reason, "housed_in": episode.housed_in, "episode": 1},
                    )
                )
        HouseholdEvent.objects.bulk_create(events, batch_size=2000)
        created.extend([row.pk, row.reference, h.reference] for row, h in zip(rows, batch, strict=True))
        progress(start + len(batch), total, "Création des ménages")
    actor = Actor(user_id=user_id, grants=(Grant(organisation.pk, territory.pk, role),))
    # One audit event for the whole import: the count, never the values.
    record(Action.CREATE, subject=actor, object_type="household_import", object_id=total)
    return {"households": created, "persons": persons_count}


# --- the template --------------------------------------------------------------------------------


def template_workbook() -> bytes:
    """The spreadsheet to fill in: the headers on the first sheet, the help on the second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ménages"
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(cell.value) + 2)
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("Aide")
    help_sheet.append(["Colonne", "Obligatoire", "Niveau", "Contenu attendu"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        help_sheet.append(
            [
                column.header,
                "oui" if column.required else "non",
                "personne" if column.level == PERSON else "ménage",
                column.help,
            ]
        )
    help_sheet.append([])
    help_sheet.append(["Situations de logement (code, libellé, catégorie ETHOS)"])
    for kind in SITUATION_KINDS:
        help_sheet.append([kind.code, kind.label, f"ETHOS {kind.ethos}"])
    for letter, width in zip("ABCD", (32, 40, 12, 100), strict=True):
        help_sheet.column_dimensions[letter].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()

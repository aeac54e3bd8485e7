"""Everything held about a household and its persons (spec 6, right of access): the sections of
the export, built in a fixed number of queries, and its two files — a readable French PDF
(reportlab) and a machine-readable JSON.

A section is a heading and records; a record is a list of items (code, French label, value as
text). Other apps add their sections (measures, housing proposals) through `SECTIONS`, so that
this app imports none of them: each registers `function(household) -> list[Section]` from its
`AppConfig.ready()`.

What the exporter may not see stays out: whereabouts of a protected file they are not named on.
The export is reserved to viewers who pass the second gate (the views check it), so sensitive
sections are complete.
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from lda.households.models import FieldChange, Household, HouseholdEvent, Person
from lda.households.rights import format_value
from lda.households.timeline import entries


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    value: str


@dataclass
class Section:
    code: str
    heading: str
    records: list[list[Item]] = field(default_factory=list)
    note: str = ""
    record_title: Callable[[list[Item]], str] | None = None


# Other apps' sections: function(household) -> list[Section], registered in their ready().
SECTIONS: list[Callable[[Household], list[Section]]] = []


def items_of(obj, names) -> list[Item]:
    """The named fields of a model instance, labelled with their verbose names."""
    result = []
    for name in names:
        model_field = obj._meta.get_field(name)
        value = getattr(obj, name)
        result.append(Item(name, str(model_field.verbose_name).capitalize(), format_value(value, model_field)))
    return result


HOUSEHOLD_FIELDS = (
    "reference",
    "status",
    "created_at",
    "created_by_organisation",
    "referent_organisation",
    "referent",
    "accompanying_organisation",
    "entered_list_on",
    "last_contact_on",
    "next_review_on",
    "priority_publics",
    "sne_number",
    "sne_filed_on",
    "sne_renewed_on",
    "sne_active",
    "dalo_recognised",
    "dalo_on",
    "accepted_communes",
    "refused_communes",
    "wished_home_types",
    "has_pets",
    "needs_ground_floor",
    "needs_accessible",
    "wants_to_live_alone",
    "consent_given",
    "consent_on",
    "consent_kinds",
    "protected",
    "whereabouts",
    "notes",
    "rights_blocks",
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
    "is_head",
    "rights_restricted",
    "rights_restricted_on",
    "rights_opposed",
    "rights_opposed_on",
    "rights_reason",
)


def household_sections(household: Household, sees_whereabouts: bool) -> list[Section]:
    """The by-name list's sections (about 12 queries whatever the size of the file)."""
    from lda.households import codes

    head = items_of(household, HOUSEHOLD_FIELDS)
    if not sees_whereabouts:
        head = [
            Item(i.code, i.label, "masqué (dossier protégé : réservé aux personnes habilitées)")
            if i.code == "whereabouts"
            else i
            for i in head
        ]
    blocks = dict(codes.RightsEffect.choices)
    head = [
        Item(i.code, i.label, ", ".join(blocks[b] for b in household.rights_blocks) or "—")
        if i.code == "rights_blocks"
        else i
        for i in head
    ]
    persons = list(Person.objects.filter(household=household).order_by("-is_head", "pk"))
    sections = [
        Section("dossier", "Le dossier", [head]),
        Section(
            "personnes",
            "Personnes du ménage",
            [
                items_of(p, PERSON_FIELDS)
                + ([Item("merged_into", "Fusionnée dans", str(p.merged_into_id))] if p.merged_into_id else [])
                for p in persons
            ],
            record_title=lambda r: f"{r[1].value} {r[0].value}",
        ),
        Section(
            "ressources",
            "Ressources et droits",
            [
                items_of(r, ("kind", "person", "monthly_amount", "requested_on", "opened_on"))
                for r in household.resources.select_related("person")
            ],
        ),
        Section("besoins", "Besoins", [items_of(n, ("kind", "status", "updated_on")) for n in household.needs.all()]),
        Section(
            "situations",
            "Situations de logement (historique)",
            [items_of(s, ("kind", "ethos", "started_on", "ended_on", "detail")) for s in household.situations.all()],
        ),
        Section(
            "saisines",
            "Saisines",
            [
                items_of(r, ("received_on", "referring_organisation", "referrer_kind", "status", "summary"))
                for r in household.referrals.select_related("referring_organisation")
            ],
        ),
        Section(
            "orientations",
            "Décisions d'orientation",
            [
                items_of(
                    o,
                    (
                        "decided_on",
                        "decision",
                        "measure",
                        "housing_search",
                        "accompanying_organisation",
                        "reason",
                        "comment",
                    ),
                )
                for o in household.orientations.select_related("accompanying_organisation")
            ],
        ),
        Section(
            "episodes",
            "Passages sur la liste",
            [
                items_of(e, ("number", "opened_on", "entered_list_on", "left_on", "exit_reason", "housed_in"))
                for e in household.episodes.all()
            ],
        ),
        Section(
            "commission",
            "Commission des parcours complexes",
            [
                [Item("commission", "Commission", str(c.commission)), *items_of(c, ("question", "conclusion"))]
                for c in household.commission_cases.select_related("commission")
            ],
        ),
    ]
    events = HouseholdEvent.objects.filter(household=household).order_by("occurred_on", "recorded_at", "pk")
    sections.append(
        Section(
            "chronologie",
            "Chronologie",
            [
                [Item("date", "Date", format_value(e.occurred_on)), Item("titre", "Événement", e.title)]
                + ([Item("detail", "Détail", e.detail)] if e.detail else [])
                for e in entries(list(events), True, {})
            ],
        )
    )
    changes = FieldChange.objects.filter(household=household).select_related("author", "person").order_by("at", "pk")
    sections.append(
        Section(
            "rectifications",
            "Historique des modifications",
            [
                [
                    Item("at", "Date", f"{c.at:%d/%m/%Y %H:%M}"),
                    Item("objet", "Objet", str(c.person) if c.person_id else "Dossier"),
                    Item("rubrique", "Rubrique", c.label),
                    Item("auteur", "Auteur", c.author.full_name if c.author else "—"),
                    *(
                        [Item("avant", "Avant", c.old_value), Item("apres", "Après", c.new_value)]
                        if c.values_kept and (sees_whereabouts or c.section != "whereabouts")
                        else [
                            Item(
                                "valeurs",
                                "Valeurs",
                                "non conservées (rubrique de travail)" if not c.values_kept else "masquées",
                            )
                        ]
                    ),
                ]
                for c in changes
            ],
            note="Pour les données propres aux personnes, l'ancienne et la nouvelle valeur ; pour les rubriques de "
            "travail (référent, notes, prochain point…), seulement la date et l'auteur.",
        )
    )
    return sections


def build(household: Household, sees_whereabouts: bool) -> list[Section]:
    sections = household_sections(household, sees_whereabouts)
    for provider in SECTIONS:
        sections.extend(provider(household))
    return sections


# --- files ---------------------------------------------------------------------------------------


def to_json(household: Household, sections: list[Section], generated_at: datetime) -> bytes:
    document = {
        "format": "lda.export-droits.v1",
        "dossier": household.reference,
        "etabli_le": generated_at.isoformat(),
        "sections": [
            {
                "code": s.code,
                "titre": s.heading,
                "libelles": {i.code: i.label for r in s.records for i in r},
                "enregistrements": [{i.code: i.value for i in r} for r in s.records],
            }
            for s in sections
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("r-title", parent=base["Title"], fontName="Helvetica-Bold", fontSize=17),
        "h2": ParagraphStyle(
            "r-h2", parent=base["Heading2"], fontName="Helvetica-Bold", fontSize=13, spaceBefore=10, spaceAfter=4
        ),
        "h3": ParagraphStyle(
            "r-h3", parent=base["Heading3"], fontName="Helvetica-Bold", fontSize=10, spaceBefore=6, spaceAfter=2
        ),
        "body": ParagraphStyle("r-body", parent=base["Normal"], fontName="Helvetica", fontSize=10, leading=13),
        "note": ParagraphStyle(
            "r-note", parent=base["Normal"], fontName="Helvetica", fontSize=8.5, textColor=colors.HexColor("#444444")
        ),
        "cell": ParagraphStyle("r-cell", parent=base["Normal"], fontName="Helvetica", fontSize=9, leading=11),
        "head": ParagraphStyle("r-head", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=9, leading=11),
    }


def _pdf_text(value: str) -> str:
    """Escaped for reportlab's paragraphs; characters the standard fonts (cp1252) cannot print are
    replaced by "?" rather than dropped silently, and line breaks kept."""
    text = value.encode("cp1252", errors="replace").decode("cp1252")
    return escape(text).replace("\n", "<br/>")


def to_pdf(household: Household, sections: list[Section], generated_at: datetime, territory_name: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Données détenues — dossier {household.reference}",
        author="LDA — Logement d'abord",
        subject="Droit d'accès : données détenues sur le ménage et ses personnes",
        lang="fr-FR",
    )
    width = document.width
    story = [
        Paragraph(_pdf_text(f"Données détenues sur le dossier {household.reference}"), styles["title"]),
        Paragraph(
            _pdf_text(
                f"{territory_name} — établi le {generated_at:%d/%m/%Y à %H:%M} (heure de Paris), à la demande "
                "d'une personne du ménage exerçant son droit d'accès."
            ),
            styles["body"],
        ),
        Spacer(1, 3 * mm),
    ]
    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    for section in sections:
        story.append(Paragraph(_pdf_text(section.heading), styles["h2"]))
        if section.note:
            story.append(Paragraph(_pdf_text(section.note), styles["note"]))
        if not section.records:
            story.append(Paragraph("Aucune donnée.", styles["body"]))
            continue
        for number, record in enumerate(section.records, start=1):
            if len(section.records) > 1:
                title = section.record_title(record) if section.record_title else f"{number}."
                story.append(Paragraph(_pdf_text(title), styles["h3"]))
            rows = [
                [Paragraph(_pdf_text(i.label), styles["head"]), Paragraph(_pdf_text(i.value), styles["cell"])]
                for i in record
            ]
            table = Table(rows, colWidths=[55 * mm, width - 55 * mm], hAlign="LEFT")
            table.setStyle(style)
            story.append(table)
            story.append(Spacer(1, 2 * mm))
    document.build(story)
    return buffer.getvalue()

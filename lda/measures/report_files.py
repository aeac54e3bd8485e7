"""Files of statements and reports: xlsx (openpyxl) and a readable PDF (reportlab).

Only counts and amounts go into these files, never a person's name or free text. Every text cell of
a spreadsheet is neutralised against formula injection (`safe_cell`) and typed as a string; counts
and amounts are numbers. The PDF uses reportlab's standard Helvetica fonts, which encode cp1252:
French accents, « », € and œ print; numbers use no-break spaces (U+00A0), which cp1252 has.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from xml.sax.saxutils import escape

from lda.core.exports import safe_cell
from lda.measures import annual_report, statements

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Meta:
    title: str
    operator: str
    period: str
    scope: str = ""  # e.g. the measure type, or "tous les types"
    cut_off: date | None = None
    generated_at: datetime | None = None

    def lines(self) -> list[tuple[str, str]]:
        rows = [("Opérateur", self.operator), ("Période", self.period)]
        if self.scope:
            rows.append(("Mesures", self.scope))
        if self.cut_off:
            rows.append(("Compté jusqu'au", f"{self.cut_off:%d/%m/%Y} (période en cours : chiffres provisoires)"))
        if self.generated_at:
            rows.append(("Établi le", f"{self.generated_at:%d/%m/%Y à %H:%M}"))
        return rows


# --- spreadsheets --------------------------------------------------------------------------------


def _cell_value(value):
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return statements.round_fraction(value)
    if isinstance(value, Decimal):
        return value
    return safe_cell(value)


def _workbook():
    from openpyxl import Workbook

    return Workbook()


def _append(sheet, values, bold=False):
    from openpyxl.styles import Font

    sheet.append([_cell_value(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _meta_rows(sheet, meta: Meta):
    _append(sheet, [meta.title], bold=True)
    for label, value in meta.lines():
        _append(sheet, [label, value])
    sheet.append([])


STATEMENT_COLUMNS = ["Type de mesure", "Mesures actives", "Actives en fin de mois", "Mois-ménages", "Débuts", "Fins"]


def statement_rows(item: statements.Statement) -> tuple[list[str], list[list], list]:
    """Header, one row per type and the total row of a statement (the page shows the same)."""
    header = [*STATEMENT_COLUMNS, "Ruptures"]

    def row(figures: statements.Figures, label: str):
        return [
            label,
            figures.active,
            figures.active_at_end,
            figures.household_months_rounded,
            figures.starts,
            figures.ends,
            figures.ruptures,
        ]

    return header, [row(r, r.type_name) for r in item.rows], row(item.total, "Total")


def reason_rows(item: statements.Statement) -> tuple[list[str], list[list]]:
    """Ends by reason: one column per type, then the total."""
    header = ["Motif de fin", *[r.type_name for r in item.rows], "Total", "Rupture"]
    rows = []
    for code, label, count, rupture in item.total.ends_by_reason_rows():
        rows.append([label, *[r.ends_by_reason.get(code, 0) for r in item.rows], count, "oui" if rupture else "non"])
    return header, rows


def statement_xlsx(item: statements.Statement, meta: Meta) -> bytes:
    from openpyxl.utils import get_column_letter

    book = _workbook()
    sheet = book.active
    sheet.title = f"Relevé {item.month:02d}-{item.year}"
    _meta_rows(sheet, meta)
    header, rows, total = statement_rows(item)
    _append(sheet, ["Chiffres par type de mesure"], bold=True)
    _append(sheet, header, bold=True)
    for row in rows:
        _append(sheet, row)
    _append(sheet, total, bold=True)
    sheet.append([])
    header, rows = reason_rows(item)
    _append(sheet, ["Fins de mesure par motif"], bold=True)
    _append(sheet, header, bold=True)
    for row in rows:
        _append(sheet, row)
    sheet.append([])
    _append(
        sheet, ["Mois-ménages : part des jours du mois où chaque mesure était active (jours actifs ÷ jours du mois)."]
    )
    sheet.column_dimensions[get_column_letter(1)].width = 48
    for index in range(2, len(header) + 2):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    return _save(book)


def annual_xlsx(sections: list[annual_report.Section], meta: Meta) -> bytes:
    from openpyxl.utils import get_column_letter

    book = _workbook()
    sheet = book.active
    sheet.title = "Rapport d'activité"
    _meta_rows(sheet, meta)
    for section in sections:
        _append(sheet, [section.heading], bold=True)
        for table in section.tables:
            _append(sheet, [table.caption])
            _append(sheet, table.columns, bold=True)
            for row in table.rows:
                _append(sheet, row)
            if table.total:
                _append(sheet, table.total, bold=True)
        for note in section.notes:
            _append(sheet, [note])
        sheet.append([])
    sheet.column_dimensions[get_column_letter(1)].width = 52
    for index in range(2, 8):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    return _save(book)


# --- PDF -----------------------------------------------------------------------------------------


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("lda-title", parent=base["Title"], fontName="Helvetica-Bold", fontSize=18),
        "h2": ParagraphStyle(
            "lda-h2", parent=base["Heading2"], fontName="Helvetica-Bold", fontSize=13, spaceBefore=12, spaceAfter=4
        ),
        "caption": ParagraphStyle(
            "lda-caption", parent=base["Normal"], fontName="Helvetica-Oblique", fontSize=9, spaceAfter=3
        ),
        "body": ParagraphStyle("lda-body", parent=base["Normal"], fontName="Helvetica", fontSize=10, leading=13),
        "note": ParagraphStyle(
            "lda-note", parent=base["Normal"], fontName="Helvetica", fontSize=8.5, textColor=colors.HexColor("#444444")
        ),
        "cell": ParagraphStyle("lda-cell", parent=base["Normal"], fontName="Helvetica", fontSize=9, leading=11),
        "number": ParagraphStyle(
            "lda-number", parent=base["Normal"], fontName="Helvetica", fontSize=9, leading=11, alignment=TA_RIGHT
        ),
        "total": ParagraphStyle(
            "lda-total", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=9, leading=11, alignment=TA_RIGHT
        ),
        "head": ParagraphStyle("lda-head", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=9, leading=11),
    }


def _text(value) -> str:
    return escape(annual_report.display(value))


def _table(table: annual_report.Table, styles, width: float):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    def cells(row, first, other):
        return [Paragraph(_text(v), styles[first if i == 0 else other]) for i, v in enumerate(row)]

    data = [[Paragraph(escape(c), styles["head"]) for c in table.columns]]
    data += [cells(row, "cell", "number") for row in table.rows]
    if table.total:
        data.append(cells(table.total, "head", "total"))
    count = len(table.columns)
    first = width * (0.7 if count <= 2 else 0.45 if count <= 4 else 0.3)
    others = (width - first) / max(1, len(table.columns) - 1)
    flowable = Table(data, colWidths=[first] + [others] * (len(table.columns) - 1), repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]
    if table.total:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f3f3")))
    flowable.setStyle(TableStyle(style))
    return flowable


def _numbered_canvas(footer: str):
    """A canvas writing "page N sur M" on every page (two passes: pages are counted first)."""
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                width = self._pagesize[0]
                self.drawString(36, 24, footer)
                self.drawRightString(width - 36, 24, f"Page {self._pageNumber} sur {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def annual_pdf(sections: list[annual_report.Section], meta: Meta) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as RLTable

    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"{meta.title} — {meta.operator} — {meta.period}",
        author="LDA — Logement d'abord",
        subject="Rapport d'activité annuel de l'opérateur (indicateurs d'évaluation)",
        lang="fr-FR",
    )
    width = document.width
    story = [Paragraph(escape(meta.title), styles["title"])]
    rows = [[Paragraph(escape(k), styles["head"]), Paragraph(escape(v), styles["cell"])] for k, v in meta.lines()]
    story.append(RLTable(rows, colWidths=[40 * mm, width - 40 * mm], hAlign="LEFT"))
    story.append(Spacer(1, 4 * mm))
    story.append(
        Paragraph(
            "Ce rapport ne contient que des effectifs : aucun nom ni texte libre. Il est calculé à partir des "
            "mesures, rencontres, partenaires et résultats enregistrés par l'opérateur.",
            styles["note"],
        )
    )
    for section in sections:
        block = [Paragraph(escape(section.heading), styles["h2"])]
        for table in section.tables:
            block.append(Paragraph(escape(table.caption), styles["caption"]))
            block.append(_table(table, styles, width))
            block.append(Spacer(1, 3 * mm))
        for note in section.notes:
            block.append(Paragraph(escape(note), styles["note"]))
        story.append(KeepTogether(block) if sum(len(t.rows) for t in section.tables) < 20 else block[0])
        if sum(len(t.rows) for t in section.tables) >= 20:
            story.extend(block[1:])
    footer = f"{meta.title} — {meta.operator} — {meta.period}"
    document.build(story, canvasmaker=_numbered_canvas(footer[:110]))
    return buffer.getvalue()

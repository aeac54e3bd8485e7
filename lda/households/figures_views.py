"""The figures page of the by-name list and its CSV / XLSX exports (spec 1, spec 6).

The territory is the one where the actor holds "households.figures" (their first such grant).
Roles that may not see names get the suppressed table, in the page and in the exports alike.
"""

import io
import re
from datetime import date, datetime, time
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lda.access.decorators import permission
from lda.access.policy import PERMISSIONS, actor_for
from lda.accounts.models import Territory
from lda.accounts.roles import ROLE_RULES
from lda.audit.log import record_export
from lda.core.exports import csv_response, safe_cell
from lda.households import figures
from lda.households.figures_data import figures_for_territory

PERMISSION = "households.figures"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_YEARS = 20


def suppression_threshold() -> int:
    return getattr(settings, "LDA_SUPPRESSION_THRESHOLD", 11)


class PeriodForm(forms.Form):
    du = forms.DateField(label="Début de la période", widget=DATE)
    au = forms.DateField(label="Fin de la période", widget=DATE, help_text="Les deux jours sont inclus.")
    etat_au = forms.DateField(
        label="État au",
        widget=DATE,
        required=False,
        help_text=(
            "Facultatif : ne compter que ce qui était enregistré à la fin de ce jour, "
            "pour retrouver exactement un tableau déjà publié."
        ),
    )

    def clean(self):
        data = super().clean()
        start, end, as_of = data.get("du"), data.get("au"), data.get("etat_au")
        if start and end and end < start:
            self.add_error("au", "La fin de la période ne peut pas précéder son début.")
        elif start and end and (end - start).days > MAX_YEARS * 366:
            self.add_error("au", f"La période ne peut pas dépasser {MAX_YEARS} ans.")
        if as_of and as_of > timezone.localdate():
            self.add_error("etat_au", "La date de l'état ne peut pas être dans le futur.")
        return data


def _default_period() -> dict:
    year = timezone.localdate().year
    return {"du": date(year, 1, 1), "au": date(year, 12, 31), "etat_au": None}


def _period_form(request) -> PeriodForm:
    if any(name in request.GET for name in PeriodForm.base_fields):
        return PeriodForm(request.GET)
    initial = _default_period()
    return PeriodForm({name: value.isoformat() if value else "" for name, value in initial.items()})


def _context(request):
    """Territory, whether counts are suppressed, and the form; the grant holding the permission decides."""
    actor = actor_for(request.user)
    allowed = PERMISSIONS[PERMISSION]
    grants = [g for g in actor.grants if g.role in allowed]
    territory_id = grants[0].territory_id
    sees_names = any(ROLE_RULES[g.role].sees_names for g in grants if g.territory_id == territory_id)
    return territory_id, not sees_names


def _table(request, form):
    territory_id, suppressed = _context(request)
    data = form.cleaned_data
    as_of = None
    if data.get("etat_au"):
        as_of = timezone.make_aware(datetime.combine(data["etat_au"], time.max), timezone.get_current_timezone())
    table = figures_for_territory(territory_id, data["du"], data["au"], as_of)
    if suppressed:
        table = figures.suppress(table, suppression_threshold())
    return territory_id, table


@permission(PERMISSION)
def table(request):
    form = _period_form(request)
    context = {"form": form, "table": None, "sections": [], "territory": None, "threshold": suppression_threshold()}
    if form.is_valid():
        territory_id, result = _table(request, form)
        context.update(
            table=result,
            sections=figures.sections(result),
            territory=Territory.objects.filter(pk=territory_id).first(),
            query=_query(form),
        )
    return render(request, "figures/table.html", context)


def _query(form) -> str:
    return urlencode({name: form.data.get(name, "") for name in PeriodForm.base_fields})


def _export_rows(table) -> list[list[str]]:
    rows = []
    for section in figures.sections(table):
        for row in section.rows:
            rows.append([section.title, row.label, row.value, row.share])
    return rows


HEADER = ["rubrique", "indicateur", "valeur", "part"]


def _notes(table) -> list[str]:
    notes = [f"Période du {table.start:%d/%m/%Y} au {table.end:%d/%m/%Y}"]
    if table.as_of:
        notes.append(f"État au {timezone.localtime(table.as_of):%d/%m/%Y}")
    if table.suppressed:
        notes.append(f"Effectifs inférieurs à {table.threshold} masqués (secret statistique)")
    return notes


@permission(PERMISSION)
def export(request):
    form = _period_form(request)
    kind = request.GET.get("format", "csv")
    if kind not in ("csv", "xlsx") or not form.is_valid():
        raise Http404
    _territory_id, result = _table(request, form)
    rows = _export_rows(result)
    rows += [["", note, "", ""] for note in _notes(result)]
    name = f"chiffres-{result.start:%Y%m%d}-{result.end:%Y%m%d}"
    record_export(request, f"figures_{kind}", len(rows))
    if kind == "csv":
        return csv_response(f"{name}.csv", HEADER, rows)
    return _xlsx_response(f"{name}.xlsx", HEADER, rows)


INTEGER = re.compile(r"^[0-9]+$")


def _xlsx_value(value):
    text = safe_cell(value)
    plain = text.replace("\u202f", "")
    return int(plain) if INTEGER.match(plain) else text


def _xlsx_response(filename: str, header: list[str], rows: list[list[str]]) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Chiffres"
    # Counts become numbers; everything else is text neutralised like the CSV, and typed as a
    # string so that no formula can run on opening.
    for values in [header, *rows]:
        sheet.append([_xlsx_value(value) for value in values])
    for row in sheet.iter_rows():
        for cell in row:
            if not isinstance(cell.value, int):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""Pages of the monthly statement, funding and the operator's annual activity report (spec 2).

Who sees what: an operator's social workers see their own organisation's figures and send its
statement; the coordinator sees every operator of the territory, receives the statements and
records the funding agreements; the State's agents read funding (amounts only). An operator the
user may not see answers 404. The figures come from `statements.py` and `annual_report.py` (pure)
through `statements_data.py`; the files from `report_files.py`. Exports are logged.
"""

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, can, get_or_404, scope
from lda.audit.log import record_export, record_refusal
from lda.core.forms import apply_errors
from lda.measures import annual_report, report_files, statements
from lda.measures import statements_data as data
from lda.measures.models import FundingAgreement, MeasureType

MONTH_WIDGET = forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"})
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _refuse(request, what: str):
    record_refusal(request, object_type="permission", object_id=what)
    raise PermissionDenied


def _query(**values) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- choosing the operator -----------------------------------------------------------------------


def _operator(request, permission_name: str, source, required: bool = True):
    """The operator named by `operateur` (or the first the user may see). Another one answers 404."""
    operators = data.operators_for(request.user, permission_name)
    raw = source.get("operateur", "")
    if raw:
        chosen = next((o for o in operators if str(o.pk) == raw), None)
        if chosen is None:
            record_refusal(request, object_type="organisation", object_id=raw[:20])
            raise Http404
        return operators, chosen
    if not required:
        return operators, None
    return operators, (operators[0] if operators else None)


def _operator_choices(operators, empty: str | None = None):
    choices = [(str(o.pk), o.name) for o in operators]
    return [("", empty), *choices] if empty else choices


# --- forms ---------------------------------------------------------------------------------------


class MonthForm(forms.Form):
    mois = forms.CharField(label="Mois", widget=MONTH_WIDGET, help_text="Mois et année, par exemple 2025-03.")
    operateur = forms.ChoiceField(label="Opérateur", required=False)

    def __init__(self, *args, operators=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if operators is None or len(operators) <= 1:
            del self.fields["operateur"]
        else:
            self.fields["operateur"].choices = _operator_choices(operators)

    def clean_mois(self):
        text = self.cleaned_data["mois"].strip()
        try:
            year, month = (int(part) for part in text.split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise ValidationError("Indiquez le mois sous la forme AAAA-MM, par exemple 2025-03.")
        if year < data.FIRST_YEAR:
            raise ValidationError(f"Le mois doit être postérieur à {data.FIRST_YEAR}.")
        if first > self.today:
            raise ValidationError("Ce mois n'a pas encore commencé : il n'a pas de relevé.")
        return (year, month)


def _month_form(request, operators, source=None):
    source = source if source is not None else request.GET
    today = timezone.localdate()
    values = {"mois": source.get("mois") or "{:04d}-{:02d}".format(*statements.previous_month(today))}
    if source.get("operateur"):
        values["operateur"] = source["operateur"]
    return MonthForm(values, operators=operators, today=today)


class YearForm(forms.Form):
    annee = forms.IntegerField(
        label="Année",
        error_messages={"invalid": "Indiquez l'année en chiffres, par exemple 2025.", "required": "Indiquez l'année."},
    )
    operateur = forms.ChoiceField(label="Opérateur", required=False)
    type = forms.ChoiceField(label="Type de mesure", required=False)

    def __init__(self, *args, operators=None, types=None, all_operators=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if operators is None or (len(operators) <= 1 and not all_operators):
            del self.fields["operateur"]
        else:
            self.fields["operateur"].choices = _operator_choices(operators, all_operators)
        if types is None:
            del self.fields["type"]
        else:
            self.fields["type"].choices = [("", "Tous les types"), *[(str(t.pk), t.name) for t in types]]

    def clean_annee(self):
        year = self.cleaned_data["annee"]
        if not data.FIRST_YEAR <= year <= self.today.year:
            raise ValidationError(f"L'année doit être comprise entre {data.FIRST_YEAR} et {self.today.year}.")
        return year


def _year_form(request, **kwargs):
    today = timezone.localdate()
    values = {"annee": request.GET.get("annee") or str(today.year)}
    for name in ("operateur", "type"):
        if request.GET.get(name):
            values[name] = request.GET[name]
    return YearForm(values, today=today, **kwargs)


# --- the monthly statement -----------------------------------------------------------------------


def _statement_context(request):
    operators, operator = _operator(request, "measures.statements", request.GET)
    form = _month_form(request, operators)
    context = {"form": form, "operator": operator, "statement": None, "operators": operators}
    if operator is None or not form.is_valid():
        return context
    year, month = form.cleaned_data["mois"]
    today = timezone.localdate()
    item = data.monthly_statement(request.user, operator, year, month, today)
    sent = data.sent_statement(operator, year, month)
    header, rows, total = report_files.statement_rows(item)
    reason_header, reason_rows = report_files.reason_rows(item)
    finished = (year, month) < (today.year, today.month)
    context.update(
        statement=item,
        header=header,
        rows=[[r[0], *[annual_report.display(v) for v in r[1:]]] for r in rows],
        total=[total[0], *[annual_report.display(v) for v in total[1:]]],
        reason_header=reason_header,
        reason_rows=reason_rows,
        sent=sent,
        changes=statements.differences(sent.figures, statements.to_json(item)) if sent else [],
        may_send=data.is_operator_of(request.user, operator),
        finished=finished,
        query=_query(mois=f"{year:04d}-{month:02d}", operateur=operator.pk),
        mois=f"{year:04d}-{month:02d}",
        is_coordinator=bool(data.reach(request.user, "measures.statements").territories),
    )
    return context


@permission("measures.statements")
def statement(request):
    return render(request, "measures/statement_page.html", _statement_context(request))


@permission("measures.statements")
def statement_xlsx(request):
    operators, operator = _operator(request, "measures.statements", request.GET)
    form = _month_form(request, operators)
    if operator is None or not form.is_valid():
        raise Http404
    year, month = form.cleaned_data["mois"]
    item = data.monthly_statement(request.user, operator, year, month)
    meta = report_files.Meta(
        f"Relevé mensuel des mesures — {statements.month_label(year, month)}",
        operator.name,
        statements.month_label(year, month),
        cut_off=item.cut_off,
        generated_at=timezone.localtime(),
    )
    content = report_files.statement_xlsx(item, meta)
    record_export(request, "measure_statement_xlsx", len(item.rows))
    return _file(content, report_files.XLSX_TYPE, f"releve-{year:04d}-{month:02d}-{operator.pk}.xlsx")


@permission("measures.statements")
@require_POST
def statement_send(request):
    """The operator sends the month's figures to the coordinator (again: replaces them, revision + 1)."""
    own = actor_for(request.user).organisations("measures.operate")
    if not own:
        _refuse(request, "measures.statements.send")
    operators, operator = _operator(request, "measures.statements", request.POST)
    if operator is None or operator.pk not in own:
        raise Http404
    form = _month_form(request, operators, source=request.POST)
    back = reverse("measure_reports:statement")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(f"{back}?{_query(operateur=operator.pk)}")
    year, month = form.cleaned_data["mois"]
    target = f"{back}?{_query(mois=f'{year:04d}-{month:02d}', operateur=operator.pk)}"
    today = timezone.localdate()
    if (year, month) >= (today.year, today.month):
        messages.error(
            request, "Ce mois n'est pas terminé : le relevé se transmet à partir du premier jour du mois suivant."
        )
        return redirect(target)
    item = data.monthly_statement(request.user, operator, year, month, today)
    sent = data.send_statement(operator, year, month, statements.to_json(item), request.user)
    again = f" (envoi n°{sent.revision}, il remplace le précédent)" if sent.revision > 1 else ""
    messages.success(request, f"Relevé de {item.label} transmis à la coordination{again}.")
    return redirect(target)


@permission("measures.statements")
def statements_received(request):
    """The coordinator: what each operator sent for a month, and what changed since."""
    if not data.reach(request.user, "measures.statements").territories:
        _refuse(request, "measures.statements.received")
    form = _month_form(request, None)
    context = {"form": form, "rows": None}
    if form.is_valid():
        year, month = form.cleaned_data["mois"]
        context.update(
            rows=data.received(request.user, year, month),
            label=statements.month_label(year, month),
            mois=f"{year:04d}-{month:02d}",
        )
    return render(request, "measures/statement_received.html", context)


# --- funding -------------------------------------------------------------------------------------


@permission("measures.funding")
def funding(request):
    operators, operator = _operator(request, "measures.funding", request.GET, required=False)
    where = data.reach(request.user, "measures.funding")
    form = _year_form(request, operators=operators, all_operators="Tous les opérateurs" if where.territories else None)
    context = {"form": form, "rows": None, "may_manage": can(request.user, "measures.funding.manage")}
    if form.is_valid():
        year = form.cleaned_data["annee"]
        if operator is None and not where.territories:
            operator = operators[0] if operators else None
        rows = data.funding(request.user, year, operator) if (operator or where.territories) else []
        context.update(
            rows=[_funding_row(r) for r in rows],
            year=year,
            cut_off=next((r.line.cut_off for r in rows), None),
            new_query=_query(annee=year, operateur=operator.pk if operator else ""),
        )
    return render(request, "measures/funding_page.html", context)


def _funding_row(row: data.FundingRow) -> dict:
    line, euros = row.line, statements.euros
    return {
        "operator": row.operator,
        "measure_type": row.measure_type,
        "agreement": row.agreement,
        "households_funded": line.agreement.households_funded if line.agreement else "—",
        "signed_on": line.agreement.signed_on if line.agreement else None,
        "household_months": statements.french_decimal(line.household_months_rounded),
        "unit_cost": euros(line.terms.unit_cost),
        "advance_share": statements.percent(line.terms.advance_share),
        "amount_due": euros(line.amount_due),
        "advance_expected": euros(line.advance_expected),
        "advance_paid": euros(line.advance_paid),
        "balance": euros(line.balance),
        "balance_label": line.balance_label,
        "direct_costs": euros(line.agreement.direct_costs if line.agreement else None),
        "indirect_costs": euros(line.agreement.indirect_costs if line.agreement else None),
        "capped_costs": euros(line.cap.declared),
        "cap_share": statements.percent(line.cap.cap),
        "cap_limit": euros(line.cap.limit),
        "cap_message": line.cap.message,
        "cap_ok": line.cap.ok,
    }


class AgreementForm(forms.Form):
    operator = forms.ChoiceField(label="Opérateur")
    measure_type = forms.ChoiceField(label="Type de mesure")
    year = forms.IntegerField(
        label="Année", error_messages={"invalid": "Indiquez l'année en chiffres, par exemple 2025."}
    )
    signed_on = forms.DateField(label="Convention signée le", required=False, widget=DATE_WIDGET)
    households_funded = forms.IntegerField(
        label="Ménages financés sur l'année",
        error_messages={"invalid": "Indiquez un nombre entier de ménages."},
    )
    advance_paid = forms.DecimalField(
        label="Avance versée (€)",
        localize=True,
        help_text="Montant en euros, centimes après une virgule (par exemple 42000 ou 42000,50).",
        error_messages={"invalid": "Indiquez un montant en euros, par exemple 42000,50."},
    )
    direct_costs = forms.DecimalField(
        label="Charges directes déclarées, hors frais de personnel (€)",
        required=False,
        localize=True,
        help_text=(
            "Facultatif : ajoutées aux charges indirectes, elles sont comparées au plafond du type de mesure "
            "(part du montant versé). Les frais de personnel n'entrent pas dans le plafond."
        ),
        error_messages={"invalid": "Indiquez un montant en euros, par exemple 3500."},
    )
    indirect_costs = forms.DecimalField(
        label="Charges indirectes déclarées (€)",
        required=False,
        localize=True,
        help_text="Facultatif : ajoutées aux charges directes, elles sont comparées au plafond du type de mesure.",
        error_messages={"invalid": "Indiquez un montant en euros, par exemple 3500."},
    )
    etat = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, operators=(), types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.operators = {str(o.pk): o for o in operators}
        self.types = {str(t.pk): t for t in types}
        self.fields["operator"].choices = [("", "Choisissez…"), *[(k, o.name) for k, o in self.operators.items()]]
        self.fields["measure_type"].choices = [("", "Choisissez…"), *[(k, t.name) for k, t in self.types.items()]]
        for field in self.fields.values():
            field.error_messages["required"] = "Ce champ est obligatoire."
        self.fields["operator"].error_messages["invalid_choice"] = "Choisissez un opérateur de la liste."
        self.fields["measure_type"].error_messages["invalid_choice"] = "Choisissez un type de mesure de la liste."

    def to_data(self) -> data.AgreementData:
        values = self.cleaned_data
        return data.AgreementData(
            operator=self.operators.get(values.get("operator") or ""),
            measure_type=self.types.get(values.get("measure_type") or ""),
            year=values.get("year"),
            households_funded=values.get("households_funded"),
            advance_paid=values.get("advance_paid"),
            indirect_costs=values.get("indirect_costs"),
            direct_costs=values.get("direct_costs"),
            signed_on=values.get("signed_on"),
        )


def _managed_territory(request) -> int:
    territories = data.reach(request.user, "measures.funding.manage").territories
    if not territories:
        _refuse(request, "measures.funding.manage")
    return min(territories)


def _agreement_page(request, territory_id: int, agreement: FundingAgreement | None):
    operators = data.operators_of_territory(territory_id)
    if agreement is not None and agreement.operator_id not in {o.pk for o in operators}:
        operators = [*operators, agreement.operator]
    types = list(scope(request.user, MeasureType.objects.filter(territory_id=territory_id)).order_by("name"))
    if request.method == "POST":
        form = AgreementForm(request.POST, operators=operators, types=types)
        if form.is_valid():
            try:
                saved = data.save_agreement(territory_id, form.to_data(), agreement, form.cleaned_data.get("etat", ""))
            except ValidationError as error:
                apply_errors(form, error)
            except data.StaleAgreement as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Convention enregistrée : {saved}.")
                return redirect(
                    f"{reverse('measure_reports:funding')}?{_query(annee=saved.year, operateur=saved.operator_id)}"
                )
    else:
        if agreement is not None:
            initial = {
                "operator": str(agreement.operator_id),
                "measure_type": str(agreement.measure_type_id),
                "year": agreement.year,
                "signed_on": agreement.signed_on,
                "households_funded": agreement.households_funded,
                "advance_paid": agreement.advance_paid,
                "direct_costs": agreement.direct_costs,
                "indirect_costs": agreement.indirect_costs,
            }
        else:
            initial = {
                "operator": request.GET.get("operateur", ""),
                "measure_type": request.GET.get("type", ""),
                "year": request.GET.get("annee") or timezone.localdate().year,
            }
        initial["etat"] = data.agreement_state(agreement)
        form = AgreementForm(initial=initial, operators=operators, types=types)
    title = "Modifier la convention de financement" if agreement else "Enregistrer une convention de financement"
    return render(request, "measures/funding_agreement.html", {"form": form, "title": title, "agreement": agreement})


@permission("measures.funding.manage")
def agreement_new(request):
    return _agreement_page(request, _managed_territory(request), None)


@permission("measures.funding.manage")
def agreement_edit(request, pk: int):
    territories = data.reach(request.user, "measures.funding.manage").territories
    agreement = get_or_404(
        request.user, FundingAgreement.objects.filter(territory_id__in=territories).select_related("operator"), pk=pk
    )
    return _agreement_page(request, agreement.territory_id, agreement)


# --- the annual activity report ------------------------------------------------------------------


def _annual(request):
    """The form, and when valid: the operator, the type (or None), the report and its sections."""
    operators, operator = _operator(request, "measures.reports", request.GET)
    territory_ids = {o.territory_id for o in operators}
    types = list(scope(request.user, MeasureType.objects.filter(territory_id__in=territory_ids)).order_by("name"))
    form = _year_form(request, operators=operators, types=types)
    if operator is None or not form.is_valid():
        return form, operator, None, None, []
    measure_type = None
    if form.cleaned_data.get("type"):
        measure_type = next((t for t in types if str(t.pk) == form.cleaned_data["type"]), None)
        if measure_type is None or measure_type.territory_id != operator.territory_id:
            raise Http404
    report = data.annual(request.user, operator, form.cleaned_data["annee"], measure_type)
    return form, operator, measure_type, report, annual_report.sections(report)


def _annual_meta(operator, measure_type, report) -> report_files.Meta:
    return report_files.Meta(
        f"Rapport d'activité annuel {report.year}",
        operator.name,
        f"année {report.year}",
        measure_type.name if measure_type else "tous les types de mesure",
        cut_off=report.cut_off,
        generated_at=timezone.localtime(),
    )


@permission("measures.reports")
def annual(request):
    form, operator, measure_type, report, sections = _annual(request)
    context = {
        "form": form,
        "operator": operator,
        "measure_type": measure_type,
        "report": report,
        "sections": [
            {
                "section": s,
                "tables": [
                    {
                        "table": t,
                        "rows": [[r[0], *[annual_report.display(v) for v in r[1:]]] for r in t.rows],
                        "total": [annual_report.display(v) for v in t.total] if t.total else None,
                    }
                    for t in s.tables
                ],
            }
            for s in sections
        ],
        "query": "",
    }
    if report is not None:
        context["query"] = _query(
            annee=report.year, operateur=operator.pk, type=measure_type.pk if measure_type else ""
        )
    return render(request, "measures/report_annual.html", context)


def _annual_file(request, kind: str):
    form, operator, measure_type, report, sections = _annual(request)
    if report is None:
        raise Http404
    meta = _annual_meta(operator, measure_type, report)
    name = f"rapport-activite-{report.year}-{operator.pk}{'-' + measure_type.code if measure_type else ''}"
    record_export(request, f"measure_annual_report_{kind}", report.measures)
    if kind == "pdf":
        return _file(report_files.annual_pdf(sections, meta), "application/pdf", f"{name}.pdf")
    return _file(report_files.annual_xlsx(sections, meta), report_files.XLSX_TYPE, f"{name}.xlsx")


@permission("measures.reports")
def annual_xlsx(request):
    return _annual_file(request, "xlsx")


@permission("measures.reports")
def annual_pdf(request):
    return _annual_file(request, "pdf")

"""The measures' part of the rights export (lda/households/dossier.py): the household's
accompaniment measures and what was recorded in them, in a fixed number of queries."""

from lda.households.dossier import SECTIONS, Item, Section, items_of
from lda.measures.models import Measure, Meeting, Outcome, PartnerMobilisation, Review

MEASURE_FIELDS = (
    "status",
    "oriented_on",
    "contract_signed_on",
    "activated_on",
    "housing_entry_on",
    "sliding_lease",
    "planned_end_on",
    "next_review_on",
    "ended_on",
    "end_reason",
    "follow_on",
    "follow_on_name",
)


def _plain_fields(model) -> list[str]:
    """Every stored field of a sub-record except keys and bookkeeping (foreign keys would cost a
    query each; the measure they belong to is named instead)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.is_relation and f.name not in ("id", "version", "created_at")
    ]


def measure_sections(household) -> list[Section]:
    measures = list(
        Measure.objects.filter(household=household)
        .select_related("type_version__measure_type", "operator", "referent")
        .order_by("oriented_on", "pk")
    )
    ids = [m.pk for m in measures]
    names = {m.pk: f"{m.type_version.measure_type.name} ({m.operator.name})" for m in measures}
    sections = [
        Section(
            "mesures",
            "Mesures d'accompagnement",
            [
                [
                    Item("type", "Type de mesure", m.type_version.measure_type.name),
                    Item("operator", "Opérateur", m.operator.name),
                    Item("referent", "Référent·e de la mesure", m.referent.full_name if m.referent else "—"),
                    *items_of(m, MEASURE_FIELDS),
                ]
                for m in measures
            ],
        )
    ]
    for code, heading, model in (
        ("bilans", "Bilans des mesures", Review),
        ("rencontres", "Rencontres", Meeting),
        ("partenaires", "Partenaires mobilisés", PartnerMobilisation),
        ("resultats", "Résultats", Outcome),
    ):
        rows = model.objects.filter(measure_id__in=ids).order_by("pk") if ids else []
        fields = _plain_fields(model)
        sections.append(
            Section(
                code,
                heading,
                [[Item("measure", "Mesure", names[r.measure_id]), *items_of(r, fields)] for r in rows],
            )
        )
    return sections


SECTIONS.append(measure_sections)

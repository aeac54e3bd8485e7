"""Writes of retention: placing and lifting a legal hold. French errors per field, all or nothing."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lda.households.models import Household
from lda.households.services import check_free_text
from lda.retention.models import Anonymisation, LegalHold

MAX_REASON = 2000


def _reason(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"Indiquez {what} : un gel juridique se documente."})
    if len(value) > MAX_REASON:
        raise ValidationError({field: f"Le motif ne peut pas dépasser {MAX_REASON} caractères."})
    check_free_text(**{field: value})
    return value


def place_hold(territory_id: int, reference: str, reason: str, user) -> LegalHold:
    """Suspends the anonymisation of the household `reference` of the territory."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": "Indiquez la référence du dossier."})
    reason = _reason(reason, "reason", "le motif du gel (procédure, demande d'une autorité…)")
    with transaction.atomic():
        household = (
            Household.objects.select_for_update()
            .filter(territory_id=territory_id, reference=reference, merged_into__isnull=True)
            .first()
        )
        if household is None:
            raise ValidationError({"reference": "Aucun dossier de ce territoire ne porte cette référence."})
        if Anonymisation.objects.filter(household=household).exists():
            raise ValidationError({"reference": "Ce dossier est déjà anonymisé : il n'y a plus rien à conserver."})
        if LegalHold.objects.filter(household=household, lifted_at__isnull=True).exists():
            raise ValidationError({"reference": "Ce dossier est déjà sous gel juridique."})
        try:
            with transaction.atomic():
                return LegalHold.objects.create(
                    territory_id=territory_id, household=household, reason=reason, placed_by=user
                )
        except IntegrityError:
            raise ValidationError({"reference": "Ce dossier est déjà sous gel juridique."}) from None


def lift_hold(hold: LegalHold, reason: str, user) -> LegalHold:
    reason = _reason(reason, "lift_reason", "le motif de la levée")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise ValidationError("Ce gel juridique est déjà levé.")
        hold.lifted_at = timezone.now()
        hold.lifted_by = user
        hold.lift_reason = reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        return hold

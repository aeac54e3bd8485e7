"""Password rules of spec 6: length by role, no composition rules, common passwords refused."""

from pathlib import Path

from django.core.exceptions import ValidationError

MAX_LENGTH = 128

# Django's validator knows 20 000 common passwords in English; these are the French ones
# that top breach lists and that it misses, and the words our users would reach for.
_FRENCH_LIST = Path(__file__).with_name("common_passwords_fr.txt")


class LengthByRoleValidator:
    """12 characters at least, 16 for administrators (spec 6); at most 128."""

    def validate(self, password, user=None):
        minimum = user.min_password_length() if user is not None and user.pk else 12
        minimum = max(minimum, getattr(user, "_lda_min_password_length", 0) or 0)
        if len(password) < minimum:
            raise ValidationError(
                f"Le mot de passe doit comporter au moins {minimum} caractères.", code="password_too_short"
            )
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                f"Le mot de passe ne peut dépasser {MAX_LENGTH} caractères.", code="password_too_long"
            )

    def get_help_text(self):
        return "Au moins 12 caractères (16 pour un compte d'administration). Une phrase de passe est idéale."


class FrenchCommonPasswordValidator:
    def __init__(self):
        words = _FRENCH_LIST.read_text(encoding="utf-8").split()
        self.words = {w.strip().lower() for w in words if w.strip()}

    def validate(self, password, user=None):
        lowered = password.lower().strip()
        stripped = lowered.rstrip("0123456789!?.*-_ ")
        if lowered in self.words or stripped in self.words:
            raise ValidationError("Ce mot de passe est trop courant.", code="password_too_common")

    def get_help_text(self):
        return "Le mot de passe ne doit pas figurer parmi les mots de passe courants."

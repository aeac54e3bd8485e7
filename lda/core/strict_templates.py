"""In tests, a template naming an undefined variable fails instead of printing nothing."""

from django.template import TemplateSyntaxError


class UndefinedVariable(str):
    def __mod__(self, name):
        raise TemplateSyntaxError(f"Variable de gabarit indéfinie : {name}")


UNDEFINED = UndefinedVariable("%s")

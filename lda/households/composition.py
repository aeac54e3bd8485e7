"""Composition of a household computed from its persons (spec 1): never typed by hand."""

from dataclasses import dataclass
from datetime import date

from lda.households.codes import PersonRole


@dataclass(frozen=True)
class Composition:
    adults: int
    children: int
    others: int
    children_ages: tuple[int, ...]  # of the children whose birth date is known
    single_parent: bool

    @property
    def size(self) -> int:
        return self.adults + self.children + self.others

    def __str__(self):
        parts = [f"{self.adults} adulte{'s' if self.adults > 1 else ''}"]
        if self.others:
            parts.append(
                f"{self.others} autre{'s' if self.others > 1 else ''} personne{'s' if self.others > 1 else ''}"
            )
        if self.children:
            ages = ", ".join(str(a) for a in self.children_ages)
            parts.append(
                f"{self.children} enfant{'s' if self.children > 1 else ''}" + (f" ({ages} ans)" if ages else "")
            )
        if self.single_parent:
            parts.append("famille monoparentale")
        return " · ".join(parts)


def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def composition(persons, today: date) -> Composition:
    """`persons`: objects with `role` and `birth_date` (merged persons already excluded)."""
    adults = sum(1 for p in persons if p.role == PersonRole.ADULT)
    children = [p for p in persons if p.role == PersonRole.CHILD]
    others = len(persons) - adults - len(children)
    ages = tuple(sorted(a for a in (age_on(p.birth_date, today) for p in children) if a is not None))
    # One adult with children, whoever else lives with them (a grandparent, a cousin…).
    return Composition(adults, len(children), others, ages, single_parent=adults == 1 and bool(children))

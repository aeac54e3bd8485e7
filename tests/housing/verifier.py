"""Independent verifier of matching runs, written from spec 3 and issue 5, not from the engine.

It does not import `lda.housing.constraints` nor `lda.housing.matching`: every rule is re-stated
here in plain Python, pair by pair. It reads from the territory's configuration only the numbers
(thresholds, days per month, proposals allowed, open contingents, kind-specific publics), which are
data the territory chooses; the legal rules (minimum surface, consumption units) and the spec's
size/typology table are written here again.

`violations(households, units, shortlists, config)` returns one French line per violation:
`households` and `units` map ids to records (any object with the attributes of spec 3),
`shortlists` maps a unit id to the household ids proposed for it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# Spec 3: T1 1–2 persons, T2 1–3, T3 2–5, T4 3–7, T5 5+; T6 and more from 6 persons.
SPEC_TYPOLOGY = {1: (1, 2), 2: (1, 3), 3: (2, 5), 4: (3, 7), 5: (5, 10**6), 6: (6, 10**6)}
MAX_PER_UNIT = 3


def exact(amount) -> Fraction:
    """Money and rates as exact fractions (floats through their decimal form): no tolerance, a
    pair exactly on a cap is feasible (issue 20 point 1)."""
    return Fraction(amount if isinstance(amount, Decimal) else Decimal(str(amount)))


def legal_surface(persons):
    # 9 m² for one person, 16 m² for two, 9 m² more per extra person, 70 m² from eight persons on.
    if persons >= 8:
        return 70
    table = {1: 9, 2: 16, 3: 25, 4: 34, 5: 43, 6: 52, 7: 61}
    return table[persons]


def oecd_units(persons_14_plus, children):
    # OECD modified scale: first adult 1, each other person of 14 or more 0.5, each child 0.3.
    total = Fraction(0)
    for n in range(persons_14_plus):
        total += 1 if n == 0 else Fraction(1, 2)
    for _ in range(children):
        total += Fraction(3, 10)
    return total


def pair_violations(h, u, config):
    found = []
    persons = h.adults + h.children
    low, high = SPEC_TYPOLOGY[u.typology]
    if not (low <= persons <= high):
        found.append("typology")
    if u.surface < legal_surface(persons):
        found.append("surface")
    resources = exact(h.resources)
    to_pay = exact(u.rent) + exact(u.charges) - exact(h.housing_benefit)
    if to_pay < 0:
        to_pay = 0
    if resources <= 0:
        if to_pay > 0:
            found.append("effort")
        found.append("rest")
    else:
        if to_pay / resources > exact(config.max_effort_rate):
            found.append("effort")
        rest_per_day = (resources - to_pay) / oecd_units(h.adults, h.children) / config.days_per_month
        if rest_per_day < exact(config.min_daily_rest_per_uc):
            found.append("rest")
    if h.wheelchair and not u.wheelchair_accessible:
        found.append("wheelchair")
    if h.ground_or_lift and u.floor > 0 and not u.lift:
        found.append("floor")
    if u.commune in h.refused_communes:
        found.append("refused commune")
    if len(h.accepted_communes) > 0 and u.commune not in h.accepted_communes:
        found.append("commune not accepted")
    if not (u.contingent in config.open_contingents or u.contingent in h.contingents):
        found.append("contingent")
    rule = config.kind_rules.get(u.kind)
    if rule is not None:
        if rule.max_persons is not None and persons > rule.max_persons:
            found.append("kind: too many persons")
        if len(rule.publics) > 0 and len(set(rule.publics) & set(h.publics)) == 0:
            found.append("kind: public")
    if u.id in h.declined_units:
        found.append("declined before")
    if h.active_proposals >= config.max_active_proposals:
        found.append("active proposal")
    return found


def violations(households, units, shortlists, config):
    lines = []
    seen = {}
    for unit_id, proposed in shortlists.items():
        if len(proposed) > MAX_PER_UNIT:
            lines.append(f"unit {unit_id}: {len(proposed)} candidates")
        if len(set(proposed)) != len(proposed):
            lines.append(f"unit {unit_id}: a household twice")
        for household_id in proposed:
            if household_id in seen and seen[household_id] != unit_id:
                lines.append(f"household {household_id}: on units {seen[household_id]} and {unit_id}")
            seen[household_id] = unit_id
            for v in pair_violations(households[household_id], units[unit_id], config):
                lines.append(f"household {household_id} on unit {unit_id}: {v}")
    return lines


def blocking_pairs(households, units, shortlists, config, tier_of):
    """Pairs (household left out, unit) where the household fits the unit and a less urgent one
    (higher `tier_of`) is on its shortlist. Brute force over every pair."""
    placed = {h for proposed in shortlists.values() for h in proposed}
    found = []
    for unit_id, proposed in shortlists.items():
        if not proposed:
            continue
        least = max(tier_of(households[h]) for h in proposed)
        for household_id, h in households.items():
            if household_id in placed or tier_of(h) >= least:
                continue
            if not pair_violations(h, units[unit_id], config):
                found.append((household_id, unit_id))
    return found

"""Small random territories for property tests (hypothesis) and brute force."""

from hypothesis import strategies as st

from lda.housing.data import Household, Unit

COMMUNES = ("69001", "69002", "69003")
KINDS = ("logement_social", "logement_social", "plai", "pension_de_famille", "fjt")
CONTINGENTS = ("prefecture", "action_logement", "bailleur")


@st.composite
def units(draw, n):
    out = []
    for j in range(n):
        typology = draw(st.integers(1, 5))
        out.append(
            Unit(
                id=1000 + j,
                commune=draw(st.sampled_from(COMMUNES)),
                kind=draw(st.sampled_from(KINDS)),
                typology=typology,
                surface=draw(st.sampled_from([15.0, 25.0, 34.0, 45.0, 61.0, 80.0])),
                floor=draw(st.integers(0, 4)),
                lift=draw(st.booleans()),
                wheelchair_accessible=draw(st.booleans()),
                rent=float(draw(st.integers(150, 600))),
                charges=float(draw(st.integers(20, 120))),
                contingent=draw(st.sampled_from(CONTINGENTS)),
            )
        )
    return out


@st.composite
def households(draw, n, unit_ids=()):
    out = []
    for i in range(n):
        adults = draw(st.integers(1, 2))
        children = draw(st.integers(0, 4))
        accepted = draw(st.lists(st.sampled_from(COMMUNES), max_size=2, unique=True))
        refused = draw(st.sets(st.sampled_from([c for c in COMMUNES if c not in accepted]), max_size=1))
        out.append(
            Household(
                id=i + 1,
                adults=adults,
                children=children,
                resources=float(draw(st.integers(0, 2500))),
                housing_benefit=float(draw(st.integers(0, 350))),
                priority=draw(st.sampled_from(["dalo", "prioritaire", "autre", "autre"])),
                criteria=frozenset(draw(st.sets(st.sampled_from(["sans_abri", "hebergement", "dalo", "handicap"])))),
                months_on_list=draw(st.integers(0, 90)),
                wheelchair=draw(st.booleans()) and draw(st.booleans()),
                ground_or_lift=draw(st.booleans()) and draw(st.booleans()),
                accepted_communes=tuple(accepted),
                refused_communes=frozenset(refused),
                contingents=frozenset(draw(st.sets(st.just("action_logement")))),
                publics=frozenset(draw(st.sets(st.sampled_from(["exclusion_longue", "jeune"])))),
                declined_units=frozenset(draw(st.sets(st.sampled_from(unit_ids)))) if unit_ids else frozenset(),
                active_proposals=1 if draw(st.integers(0, 9)) == 0 else 0,
                sex=draw(st.sampled_from(["F", "M"])),
                family_type="isole" if adults + children == 1 else "autre",
            )
        )
    return out


@st.composite
def territories(draw, max_households=14, max_units=6):
    n_units = draw(st.integers(1, max_units))
    us = draw(units(n_units))
    hs = draw(households(draw(st.integers(1, max_households)), [u.id for u in us]))
    return hs, us

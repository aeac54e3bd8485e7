"""The matching engine (issue 5 point 6): candidates, optimal shortlists, explanations, fairness.

Pure: an `Instance` (households and available units as records and arrays), the territory's
`Thresholds` and scoring `Grid` in; a `Run` (up to 3 ranked candidates per unit, timings) out.

1. **Candidates** (`generate_candidates`), vectorised: units are blocked by (commune, typology) and
   sorted by rent + charges; the households accepting the commune and whose size fits the typology
   take the affordable prefix of the block (one `searchsorted`), then the other hard constraints
   are checked on the pairs as arrays. No Python loop over households or pairs.
2. **Assignment** (`engine`): a maximum-value b-matching (households 1, units 3) on the sparse
   candidate graph, solved exactly by an auction (`auction.py`, decision 0020) whose optimality is
   proven by a dual certificate; OR-Tools' min-cost flow (`_solve_flow`) is the fallback and the
   reference of the tests. value = tier weight + pair score, with a tier weight dominating any
   score, so a household of a more urgent tier is never left out for a less urgent one on a unit
   it fits. Every unit's shortlist is ranked by (tier, pair score, id).
3. **Explanations** (`explain`) and the **fairness report** (`fairness`), computed from the run.
4. Baselines for the benchmarks: `offer_driven` (each unit in turn takes its 3 best eligible
   households by score, today's practice) and `greedy` (pairs by decreasing pair score).

Determinism: `Instance.build` sorts records by id, candidates are generated in (household, unit)
order and the auction (like OR-Tools' solver) is deterministic for the same arcs, so the same input
gives the same shortlists; ties in rankings are broken by ids.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from lda.housing import auction
from lda.housing.constraints import (
    REASONS,
    Affordability,
    Thresholds,
    affordability,
    consumption_units_array,
    max_housing_cost,
    min_surface_array,
    typology_matrix,
    why_not,
)
from lda.housing.data import TIER_LABELS, TIERS, Instance
from lda.housing.scoring import Grid, Term, breakdown, household_scores, wish_term

logger = logging.getLogger(__name__)

SHORTLIST = 3  # candidates per unit (allocation committees examine three)
RESHUFFLE_DEPTH = 64  # the tier weight also outweighs the wish points lost by this many moves
CHUNK_PAIRS = 2_000_000  # pairs checked at once in a block (bounds the memory of generation)


@dataclass
class Candidates:
    """Feasible pairs, sorted by (household index, unit index)."""

    h: np.ndarray  # household index (int32)
    u: np.ndarray  # unit index (int32)
    rank: np.ndarray  # wish rank of the unit's commune (int16; 0 = any commune accepted)
    score: np.ndarray  # pair score = household score + wish term (int64)
    hptr: np.ndarray  # pairs of household i are [hptr[i], hptr[i + 1])
    household_score: np.ndarray  # per household (int64)

    def __len__(self) -> int:
        return len(self.h)

    def of_household(self, i: int) -> slice:
        return slice(int(self.hptr[i]), int(self.hptr[i + 1]))

    def find(self, i: int, j: int) -> int:
        """Index of the pair (household i, unit j), or -1."""
        s = self.of_household(i)
        k = s.start + int(np.searchsorted(self.u[s], j))
        return k if k < s.stop and self.u[k] == j else -1


def generate_candidates(instance: Instance, thresholds: Thresholds, grid: Grid) -> Candidates:
    H, U = instance.h, instance.u
    nh, nu = len(instance.households), len(instance.units)
    size = H["size"].astype(np.int64)
    uc = consumption_units_array(H["adults"], H["children"])
    cap = max_housing_cost(H["resources"], H["benefit"], uc, thresholds)
    allowed = typology_matrix(thresholds)
    size_row = np.minimum(size, allowed.shape[0] - 1)
    minsurf = min_surface_array(size)
    base_ok = H["active"] < thresholds.max_active_proposals
    # Per-unit and per-kind tables of the contingent and public rules.
    open_contingent = np.array([c in thresholds.open_contingents for c in instance.contingents] or [False])
    unit_open = open_contingent[U["contingent"]] if nu else np.zeros(0, np.bool_)
    public_index = {p: i for i, p in enumerate(instance.publics)}
    kind_max = np.full(max(len(instance.kinds), 1), 1 << 30, dtype=np.int64)
    kind_needs = np.zeros(max(len(instance.kinds), 1), dtype=np.bool_)
    kind_mask = np.zeros(max(len(instance.kinds), 1), dtype=np.int64)
    for k, kind in enumerate(instance.kinds):
        rule = thresholds.kind_rules.get(kind)
        if rule is None:
            continue
        if rule.max_persons is not None:
            kind_max[k] = rule.max_persons
        if rule.publics:
            kind_needs[k] = True
            for p in rule.publics:
                if p in public_index:
                    kind_mask[k] |= 1 << public_index[p]
    unit_max = kind_max[U["kind"]] if nu else np.zeros(0, np.int64)
    unit_needs = kind_needs[U["kind"]] if nu else np.zeros(0, np.bool_)
    unit_mask = kind_mask[U["kind"]] if nu else np.zeros(0, np.int64)
    unit_ground = (U["floor"] <= 0) | U["lift"]

    # Households by accepted commune (explicit wishes, with their rank) and by refused commune.
    nacc = np.diff(H["acc_ptr"])
    acc_h = np.repeat(np.arange(nh, dtype=np.int64), nacc)
    acc_rank = (np.arange(len(H["acc"])) - np.repeat(H["acc_ptr"][:-1], nacc) + 1).astype(np.int16)
    acc_c = H["acc"].astype(np.int64)
    nref = np.diff(H["ref_ptr"])
    ref_h = np.repeat(np.arange(nh, dtype=np.int64), nref)
    ref_c = H["ref"].astype(np.int64)
    nc = max(len(instance.communes), 1)
    refused_keys = np.sort(ref_h * nc + ref_c)
    keep = base_ok[acc_h] & ~np.isin(acc_h * nc + acc_c, refused_keys)
    acc_h, acc_rank, acc_c = acc_h[keep], acc_rank[keep], acc_c[keep]
    order = np.lexsort((acc_h, acc_c))
    acc_h, acc_rank, acc_c = acc_h[order], acc_rank[order], acc_c[order]
    acc_bounds = np.searchsorted(acc_c, np.arange(nc + 1))
    ref_order = np.argsort(ref_c, kind="stable")
    ref_h_sorted, ref_c_sorted = ref_h[ref_order], ref_c[ref_order]
    ref_bounds = np.searchsorted(ref_c_sorted, np.arange(nc + 1))
    anywhere = np.flatnonzero(base_ok & (nacc == 0))

    # Units blocked by (commune, typology), sorted by housing cost within a block.
    uorder = np.lexsort((np.arange(nu), U["cost"], U["typology"], U["commune"]))
    ublock = U["commune"][uorder].astype(np.int64) * 8 + U["typology"][uorder]
    starts = np.flatnonzero(np.r_[True, ublock[1:] != ublock[:-1]]) if nu else np.zeros(0, np.int64)
    ends = np.r_[starts[1:], nu]

    out_h, out_u, out_r = [], [], []
    current_c, hc, rc = -1, None, None
    for b0, b1 in zip(starts.tolist(), ends.tolist(), strict=True):
        c, t = divmod(int(ublock[b0]), 8)
        if c != current_c:
            current_c = c
            refused_here = ref_h_sorted[ref_bounds[c] : ref_bounds[c + 1]]
            any_here = anywhere[~np.isin(anywhere, refused_here)] if len(refused_here) else anywhere
            hc = np.concatenate([acc_h[acc_bounds[c] : acc_bounds[c + 1]], any_here])
            rc = np.concatenate([acc_rank[acc_bounds[c] : acc_bounds[c + 1]], np.zeros(len(any_here), np.int16)])
        sel = allowed[size_row[hc], t] if t < allowed.shape[1] else np.zeros(len(hc), np.bool_)
        hs, rs = hc[sel], rc[sel]
        units_block = uorder[b0:b1]
        k = np.searchsorted(U["cost"][units_block], cap[hs], side="right")
        nonzero = k > 0
        hs, rs, k = hs[nonzero], rs[nonzero], k[nonzero]
        if not len(hs):
            continue
        cum = np.cumsum(k)
        cuts = np.searchsorted(cum, np.arange(CHUNK_PAIRS, int(cum[-1]), CHUNK_PAIRS), side="right")
        for a, z in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(hs)].tolist(), strict=True):
            if a == z:
                continue
            kk = k[a:z]
            total = int(kk.sum())
            hh = np.repeat(hs[a:z], kk)
            first = np.repeat(np.cumsum(kk) - kk, kk)
            uu = units_block[np.arange(total) - first]
            ok = U["surface"][uu] >= minsurf[hh]
            ok &= ~H["wheelchair"][hh] | U["wheelchair"][uu]
            ok &= ~H["ground"][hh] | unit_ground[uu]
            ok &= unit_open[uu] | ((H["contingents"][hh] >> U["contingent"][uu].astype(np.int64)) & 1).astype(np.bool_)
            ok &= size[hh] <= unit_max[uu]
            ok &= ~unit_needs[uu] | ((H["publics"][hh] & unit_mask[uu]) != 0)
            out_h.append(hh[ok])
            out_u.append(uu[ok])
            out_r.append(np.repeat(rs[a:z], kk)[ok])

    if out_h:
        ch = np.concatenate(out_h)
        cu = np.concatenate(out_u)
        cr = np.concatenate(out_r)
    else:
        ch, cu, cr = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int16)
    keys = ch * max(nu, 1) + cu
    if len(instance.declined):  # sorted: a binary search per pair instead of np.isin's sort
        at = np.minimum(np.searchsorted(instance.declined, keys), len(instance.declined) - 1)
        fresh = instance.declined[at] != keys
        keys, cr = keys[fresh], cr[fresh]
    # Pairs are unique: sort (household, unit, wish rank) packed in one int64, no argsort needed.
    ranks = int(cr.max()) + 1 if len(cr) else 1
    keys = np.sort(keys * ranks + cr)
    cr = (keys % ranks).astype(np.int16)
    keys //= ranks
    ch = (keys // max(nu, 1)).astype(np.int32)
    cu = (keys % max(nu, 1)).astype(np.int32)
    hscore = household_scores(instance, grid)
    wish = grid.wish_table(int(cr.max()) if len(cr) else 0)
    score = hscore[ch] + wish[cr]
    hptr = np.searchsorted(ch, np.arange(nh + 1)).astype(np.int64)
    return Candidates(ch, cu, cr, score, hptr, hscore)


def tier_step(candidates: Candidates, grid: Grid) -> int:
    """Weight between two tiers: above any difference of pair scores, and of the wish points of
    `RESHUFFLE_DEPTH` households moved to make room for a more urgent one."""
    spread = int(candidates.score.max() - candidates.score.min()) if len(candidates) else 0
    return spread + 1 + grid.wish_range * RESHUFFLE_DEPTH


def pair_values(instance: Instance, candidates: Candidates, step: int) -> np.ndarray:
    tier = instance.h["tier"].astype(np.int64)[candidates.h]
    return (len(TIERS) - 1 - tier) * step + candidates.score


@dataclass
class Run:
    """The outcome of one method on one instance."""

    method: str
    instance: Instance = field(repr=False)
    thresholds: Thresholds = field(repr=False)
    grid: Grid = field(repr=False)
    candidates: Candidates = field(repr=False)
    chosen: np.ndarray = field(repr=False)  # indices of the chosen pairs in `candidates`
    step: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    shortlists: dict[int, tuple[int, ...]] = field(default_factory=dict)  # unit id → household ids, ranked
    unit_of: np.ndarray = field(default=None, repr=False)  # household index → unit index or -1
    slots: np.ndarray = field(default=None, repr=False)  # unit index → chosen pair indices, ranked (CSR)
    slot_ptr: np.ndarray = field(default=None, repr=False)
    solver: dict = field(default_factory=dict)  # how the assignment was solved: method, phases, bids…

    @property
    def total_score(self) -> int:
        return int(self.candidates.score[self.chosen].sum())

    @property
    def objective(self) -> int:
        return int(pair_values(self.instance, self.candidates, self.step)[self.chosen].sum())

    def placed_by_tier(self) -> dict[str, int]:
        tiers = self.instance.h["tier"][self.candidates.h[self.chosen]]
        return {t: int((tiers == i).sum()) for i, t in enumerate(TIERS)}

    def wish_ranks(self) -> dict[str, int]:
        ranks = self.candidates.rank[self.chosen]
        out = {"toute commune": int((ranks == 0).sum())}
        for r in (1, 2, 3):
            out[f"vœu {r}"] = int((ranks == r).sum())
        out["vœu 4+"] = int((ranks >= 4).sum())
        return out


def _finish(run: Run) -> Run:
    """Ranks each unit's chosen candidates by (tier, −pair score, household id); fills the lookups."""
    t0 = time.perf_counter()
    inst, cand, chosen = run.instance, run.candidates, run.chosen
    nh, nu = len(inst.households), len(inst.units)
    ch, cu = cand.h[chosen], cand.u[chosen]
    if len(np.unique(ch)) != len(ch):
        raise AssertionError("un ménage sur deux listes")
    order = np.lexsort((ch, -cand.score[chosen], inst.h["tier"][ch], cu))
    chosen = chosen[order]
    run.chosen = chosen
    cu = cand.u[chosen]
    run.slots = chosen
    run.slot_ptr = np.searchsorted(cu, np.arange(nu + 1)).astype(np.int64)
    if np.diff(run.slot_ptr).max(initial=0) > SHORTLIST:
        raise AssertionError("plus de 3 candidats sur un logement")
    run.unit_of = np.full(nh, -1, dtype=np.int32)
    run.unit_of[cand.h[chosen]] = cu
    hid, uid = inst.h["id"], inst.u["id"]
    ptr = run.slot_ptr
    households = hid[cand.h[chosen]].tolist()
    run.shortlists = {
        int(uid[j]): tuple(households[ptr[j] : ptr[j + 1]]) for j in np.flatnonzero(np.diff(ptr)).tolist()
    }
    run.timings["shortlists"] = time.perf_counter() - t0
    return run


def _compact(index: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Renumbers the indices present 0..k−1 in increasing order (a linear-time `np.unique`)."""
    present = np.bincount(index, minlength=n) > 0
    number = np.cumsum(present) - 1
    return number[index], int(present.sum())


def _solve_flow(nh: int, nu: int, ch: np.ndarray, cu: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Max-value b-matching as a min-cost flow (OR-Tools); returns the indices of the chosen pairs.
    The engine's fallback and the tests' reference: 9–16 s on the 100 000 × 20 000 territory
    where the auction takes 2.7 s (decision 0020).

    Each household is a source of one unit of flow, to a unit (cost best_h − value, 0 to 30 with
    the default grid) or straight to the sink (cost best_h, its value lost), best_h being its best
    pair value: cost = Σ best_h − Σ chosen values, the same optimum as arcs costing −value from one
    source. The large tier weights sit on the households' own arcs, the pair arcs only carry the
    small differences between a household's options: OR-Tools' cost scaling solves it about 25 %
    faster (12.3 s → 9.1 s on the 100 000 × 20 000 territory; decision 0018).
    """
    from ortools.graph.python import min_cost_flow

    if not len(ch):
        return np.zeros(0, dtype=np.int64)
    hloc, a = _compact(ch, nh)
    uloc, b = _compact(cu, nu)
    value = value.astype(np.int64)
    best = np.zeros(a, dtype=np.int64)
    np.maximum.at(best, hloc, value)
    sink = a + b
    tails = np.concatenate([hloc, a + np.arange(b), np.arange(a)]).astype(np.int32)
    heads = np.concatenate([a + uloc, np.full(b, sink), np.full(a, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(len(ch), np.int64), np.full(b, SHORTLIST, np.int64), np.ones(a, np.int64)])
    costs = np.concatenate([best[hloc] - value, np.zeros(b, np.int64), best])
    supplies = np.zeros(a + b + 1, dtype=np.int64)
    supplies[:a] = 1
    supplies[sink] = -a
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.arange(a + b + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"flot de coût minimal : statut {status}")
    used = flow.flows(np.arange(len(ch), dtype=np.int32))
    return np.flatnonzero(used > 0)


def _assign(nh: int, nu: int, ch: np.ndarray, cu: np.ndarray, value: np.ndarray, stats: dict) -> np.ndarray:
    """The chosen pairs of the optimal b-matching: the auction, proven optimal by its certificate;
    OR-Tools' min-cost flow should the certificate ever fail (never seen on the benchmarks). Either
    result is put in the canonical form `auction.with_zero_pairs_filled`, so the fallback fills the
    places the auction fills."""
    if not len(ch):
        return np.zeros(0, dtype=np.int64)
    solution = auction.solve(nh, nu, ch, cu, value, SHORTLIST)
    stats.update(
        method="enchères",
        phases=solution.phases,
        bids=solution.bids,
        reverse_steps=solution.reverse_steps,
        certified=solution.certified,
    )
    if solution.certified:
        chosen = solution.chosen
    else:
        logger.warning(
            "matching: auction not certified (gap %s, scale %s), min-cost flow used", solution.gap, solution.scale
        )
        stats["method"] = "flot de coût minimal"
        chosen = _solve_flow(nh, nu, ch, cu, value)
    # Both paths end in the same canonical form: free places taken through pairs worth 0 (decision 0020).
    return auction.with_zero_pairs_filled(nh, nu, ch, cu, value, chosen, SHORTLIST)


def engine(instance: Instance, thresholds: Thresholds, grid: Grid, candidates: Candidates | None = None) -> Run:
    """The optimal shortlists: max Σ (tier weight + pair score) over all units at once."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if candidates is None:
        candidates = generate_candidates(instance, thresholds, grid)
        timings["candidates"] = time.perf_counter() - t0
    step = tier_step(candidates, grid)
    t1, cpu = time.perf_counter(), time.process_time()
    value = pair_values(instance, candidates, step)
    stats: dict = {}
    chosen = _assign(len(instance.households), len(instance.units), candidates.h, candidates.u, value, stats)
    timings["solve"] = time.perf_counter() - t1
    timings["solve_cpu"] = time.process_time() - cpu  # this process' CPU: comparable on a busy machine
    run = Run("moteur", instance, thresholds, grid, candidates, chosen, step, timings)
    run.solver = stats
    return _finish(run)


def offer_driven(instance: Instance, thresholds: Thresholds, grid: Grid, candidates: Candidates | None = None) -> Run:
    """Today's practice: each unit in turn (by id) takes its 3 best eligible households by score."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if candidates is None:
        candidates = generate_candidates(instance, thresholds, grid)
        timings["candidates"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    cand = candidates
    nu = len(instance.units)
    order = np.lexsort((cand.h, -cand.household_score[cand.h], cand.u))
    uptr = np.searchsorted(cand.u[order], np.arange(nu + 1))
    taken = np.zeros(len(instance.households), dtype=np.bool_)
    picked = []
    for j in range(nu):
        pairs = order[uptr[j] : uptr[j + 1]]
        if not len(pairs):
            continue
        free = pairs[~taken[cand.h[pairs]]][:SHORTLIST]
        taken[cand.h[free]] = True
        picked.append(free)
    chosen = np.concatenate(picked) if picked else np.zeros(0, np.int64)
    timings["solve"] = time.perf_counter() - t1
    run = Run("offre par offre", instance, thresholds, grid, candidates, chosen, tier_step(cand, grid), timings)
    return _finish(run)


def greedy(instance: Instance, thresholds: Thresholds, grid: Grid, candidates: Candidates | None = None) -> Run:
    """Global greedy: pairs by decreasing pair score (ties by ids), kept while both sides have room."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if candidates is None:
        candidates = generate_candidates(instance, thresholds, grid)
        timings["candidates"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    cand = candidates
    order = np.lexsort((cand.u, cand.h, -cand.score))
    taken = bytearray(len(instance.households))
    room = [SHORTLIST] * len(instance.units)
    left = SHORTLIST * len(np.unique(cand.u))
    hs, us = cand.h[order].tolist(), cand.u[order].tolist()
    picked = []
    for k, (i, j) in enumerate(zip(hs, us, strict=True)):
        if taken[i] or not room[j]:
            continue
        taken[i] = 1
        room[j] -= 1
        picked.append(k)
        left -= 1
        if not left:
            break
    chosen = order[np.array(picked, dtype=np.int64)] if picked else np.zeros(0, np.int64)
    timings["solve"] = time.perf_counter() - t1
    run = Run("glouton global", instance, thresholds, grid, candidates, chosen, tier_step(cand, grid), timings)
    return _finish(run)


METHODS = {"offre par offre": offer_driven, "glouton global": greedy, "moteur": engine}


# ---------------------------------------------------------------------------------------------
# Explanations


@dataclass(frozen=True)
class Alternative:
    unit_id: int | None
    pair_score: int | None
    reason: str  # aucune, moins_bon, place_libre, plus_prioritaire, echange_perdant, echange_gagnant
    text: str
    exchange_delta: int | None = None  # change of the run's objective if the exchange were made


@dataclass(frozen=True)
class Explanation:
    household_id: int
    unit_id: int
    rank: int  # 1..3 in the unit's shortlist
    tier: str
    tier_label: str
    method: str
    grid_version: str
    thresholds_version: str
    constraints_met: list[tuple[str, str]]
    terms: list[Term]  # the grid's criteria, then the wish term
    household_score: int
    pair_score: int
    affordability: Affordability
    alternative: Alternative


def _value(run: Run, pair: int) -> int:
    tier = int(run.instance.h["tier"][run.candidates.h[pair]])
    return (len(TIERS) - 1 - tier) * run.step + int(run.candidates.score[pair])


def _alternative(run: Run, i: int, j: int, pair: int) -> Alternative:
    inst, cand = run.instance, run.candidates
    s = cand.of_household(i)
    others = np.arange(s.start, s.stop)
    others = others[cand.u[others] != j]
    if not len(others):
        return Alternative(None, None, "aucune", "Aucun autre logement disponible ne remplit toutes les contraintes.")
    best = others[np.lexsort((inst.u["id"][cand.u[others]], -cand.score[others]))[0]]
    alt_j = int(cand.u[best])
    alt_id, alt_score, score = int(inst.u["id"][alt_j]), int(cand.score[best]), int(cand.score[pair])
    name = f"Le logement {alt_id}"
    if alt_score <= score:
        return Alternative(
            alt_id,
            alt_score,
            "moins_bon",
            f"{name} lui vaudrait {alt_score} points, pas plus que le logement proposé ({score}).",
        )
    slots = run.slots[run.slot_ptr[alt_j] : run.slot_ptr[alt_j + 1]]
    if len(slots) < SHORTLIST:
        return Alternative(
            alt_id,
            alt_score,
            "place_libre",
            f"{name} lui vaudrait {alt_score} points et avait une place libre, "
            f"mais la méthode « {run.method} » ne l'y a pas placé.",
        )
    weakest = int(slots[-1])
    k = int(cand.h[weakest])
    k_id = int(inst.h["id"][k])
    k_tier = int(inst.h["tier"][k])
    back = cand.find(k, j)
    before = _value(run, pair) + _value(run, weakest)
    after = _value(run, best) + (_value(run, back) if back >= 0 else 0)
    delta = after - before
    tier = int(inst.h["tier"][i])
    if k_tier < tier:
        return Alternative(
            alt_id,
            alt_score,
            "plus_prioritaire",
            f"{name} lui vaudrait {alt_score} points, mais ses {SHORTLIST} candidats sont d'un palier "
            f"plus prioritaire ({TIER_LABELS[TIERS[k_tier]]} pour le dernier, ménage {k_id}).",
            delta,
        )
    swap = (
        f"l'échanger avec le dernier candidat (ménage {k_id}, placé alors sur le logement proposé)"
        if back >= 0
        else f"l'échanger avec le dernier candidat (ménage {k_id}, qui ne remplit pas les contraintes "
        "du logement proposé et resterait sans proposition)"
    )
    if delta <= 0:
        return Alternative(
            alt_id,
            alt_score,
            "echange_perdant",
            f"{name} lui vaudrait {alt_score} points, mais il a déjà {SHORTLIST} candidats ; {swap} "
            f"ferait perdre {-delta} points au total de la répartition.",
            delta,
        )
    return Alternative(
        alt_id,
        alt_score,
        "echange_gagnant",
        f"{name} lui vaudrait {alt_score} points ; {swap} ferait gagner {delta} points au total, "
        f"ce que la méthode « {run.method} » ne cherche pas.",
        delta,
    )


def explain(run: Run, household_id: int) -> Explanation:
    """Why this household is on this unit's shortlist: constraints, score, figures, alternative."""
    inst, cand = run.instance, run.candidates
    i = inst.household_index(household_id)
    j = int(run.unit_of[i])
    if j < 0:
        raise KeyError(f"le ménage {household_id} n'est sur aucune liste de ce calcul")
    pair = cand.find(i, j)
    household, unit = inst.households[i], inst.units[j]
    failed = why_not(household, unit, run.thresholds)
    if failed:
        raise AssertionError(f"proposition non conforme : {failed}")
    slots = run.slots[run.slot_ptr[j] : run.slot_ptr[j + 1]].tolist()
    terms = [*breakdown(household, run.grid), wish_term(household, unit.commune, run.grid)]
    return Explanation(
        household_id=household.id,
        unit_id=unit.id,
        rank=slots.index(pair) + 1,
        tier=household.priority,
        tier_label=TIER_LABELS[household.priority],
        method=run.method,
        grid_version=run.grid.version,
        thresholds_version=f"{run.thresholds.territory} {run.thresholds.version}",
        constraints_met=list(REASONS.items()),
        terms=terms,
        household_score=int(cand.household_score[i]),
        pair_score=int(cand.score[pair]),
        affordability=affordability(household, unit, run.thresholds),
        alternative=_alternative(run, i, j, pair),
    )


# ---------------------------------------------------------------------------------------------
# Fairness


@dataclass(frozen=True)
class Group:
    label: str
    households: int
    eligible: int  # with at least one feasible unit in this run
    placed: int


@dataclass(frozen=True)
class FairnessReport:
    by_tier: list[Group]
    by_sex: list[Group]
    by_family: list[Group]
    blocking_pairs: int  # (household left out, unit) with a less urgent household on the unit
    blocking_by_tier: dict[str, int]  # the same, by the tier of the household left out
    blocking_examples: list[tuple[int, int, int]]  # (household id, unit id, less urgent household id)
    idle_places: int  # (household left out, unit with a free place it fits)


def _groups(codes: np.ndarray, labels: list[str], eligible: np.ndarray, placed: np.ndarray) -> list[Group]:
    return [
        Group(label, int((codes == g).sum()), int(eligible[codes == g].sum()), int(placed[codes == g].sum()))
        for g, label in enumerate(labels)
    ]


def fairness(run: Run, examples: int = 20) -> FairnessReport:
    inst, cand = run.instance, run.candidates
    nu = len(inst.units)
    placed = run.unit_of >= 0
    eligible = np.diff(cand.hptr) > 0
    tier = inst.h["tier"].astype(np.int64)
    worst = np.full(nu, -1, dtype=np.int64)  # least urgent tier on each unit's shortlist
    if len(run.chosen):
        np.maximum.at(worst, cand.u[run.chosen], tier[cand.h[run.chosen]])
    count = np.diff(run.slot_ptr)
    out = ~placed[cand.h]
    blocking = np.flatnonzero(out & (worst[cand.u] > tier[cand.h]))
    idle = int((out & (count[cand.u] < SHORTLIST)).sum())
    shown = []
    for p in blocking[:examples].tolist():
        j = int(cand.u[p])
        slots = run.slots[run.slot_ptr[j] : run.slot_ptr[j + 1]]
        lower = slots[tier[cand.h[slots]] > tier[cand.h[p]]]
        shown.append((int(inst.h["id"][cand.h[p]]), int(inst.u["id"][j]), int(inst.h["id"][cand.h[lower[-1]]])))
    return FairnessReport(
        by_tier=_groups(tier, [TIER_LABELS[t] for t in TIERS], eligible, placed),
        by_sex=_groups(inst.h["sex"], inst.sexes, eligible, placed),
        by_family=_groups(inst.h["family"], inst.family_types, eligible, placed),
        blocking_pairs=len(blocking),
        blocking_by_tier={t: int((tier[cand.h[blocking]] == i).sum()) for i, t in enumerate(TIERS)},
        blocking_examples=shown,
        idle_places=idle,
    )


def match(instance: Instance, thresholds: Thresholds, grid: Grid, method: str = "moteur") -> Run:
    """One run end to end: candidates, assignment, shortlists; timings in `run.timings`."""
    t0 = time.perf_counter()
    run = METHODS[method](instance, thresholds, grid)
    run.timings["total"] = time.perf_counter() - t0
    return run

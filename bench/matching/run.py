"""Benchmark of the matching engine against today's practice and a global greedy.

Run (no database needed: the engine is pure):

    .venv/bin/python bench/matching/run.py                       # both sizes, one process each
    .venv/bin/python bench/matching/run.py --households 20000 --units 2000 --seed 1

For each size, a seeded synthetic territory (`generator.py`) is built, then each method runs end to
end (candidate generation, assignment, shortlists): the offer-driven baseline (each unit in turn
takes its 3 best eligible households by score), the global greedy by pair score, and the engine
(the exact auction of `lda/housing/auction.py`, decision 0020). Printed per method: total score (Σ pair scores of the
proposals), households placed per priority tier, wish rank obtained, blocking pairs across tiers,
runtime of each step, and the verifier's violations (`tests/housing/verifier.py`, independent
code) on every proposal. Then: time to explain one proposal, the process' peak memory (RSS), the
auction's phases and certificate, and OR-Tools' min-cost flow on the same graph as a reference.

Targets (issue 5): 20 000 × 2 000 solved ≤ 0.5 s, ≤ 2 s end to end; 100 000 × 20 000 (≈ 3 M
candidate pairs) solved ≤ 5 s, shortlists ≤ 6 s, peak memory ≤ 2 GB; engine's total score ≥ 3 %
above the offer-driven baseline; no DALO household left out for a less urgent one on a unit it
fits; explanation of one proposal ≤ 50 ms.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "housing"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import verifier  # noqa: E402  (tests/housing/verifier.py: independent of the engine)
from generator import territory  # noqa: E402

from lda.housing import auction  # noqa: E402
from lda.housing.constraints import Thresholds  # noqa: E402
from lda.housing.data import TIERS, Instance  # noqa: E402
from lda.housing.matching import _solve_flow, explain, fairness, match, pair_values  # noqa: E402
from lda.housing.scoring import DEFAULT_GRID  # noqa: E402

SIZES = ((20_000, 2_000), (100_000, 20_000))
METHODS = ("offre par offre", "glouton global", "moteur")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(n_households: int, n_units: int, seed: int) -> None:
    thresholds, grid = Thresholds(), DEFAULT_GRID
    t = time.perf_counter()
    households, units = territory(n_households, n_units, seed)
    generated = time.perf_counter() - t
    t = time.perf_counter()
    instance = Instance.build(households, units)
    built = time.perf_counter() - t
    print(
        f"\n## {n_households} ménages × {n_units} logements (graine {seed}), charge de la machine {os.getloadavg()[0]:.1f}"
    )
    print(f"territoire généré en {generated:.2f} s, tableaux construits en {built:.2f} s, RSS {peak_mb():.0f} Mo")
    t = time.perf_counter()
    auction.solve(2, 1, np.array([0, 1]), np.array([0, 0]), np.array([3, 2]), 3)
    print(f"compilation de l'enchère (numba, une fois puis en cache) : {time.perf_counter() - t:.2f} s")
    by_id_h = {h.id: h for h in households}
    by_id_u = {u.id: u for u in units}
    runs = {}
    for method in ("moteur", "offre par offre", "glouton global"):  # the engine first: its peak memory
        run = match(instance, thresholds, grid, method)
        runs[method] = run
        if method == "moteur":
            engine_peak = peak_mb()
    pairs = len(runs["moteur"].candidates)
    eligible = int((np.diff(runs["moteur"].candidates.hptr) > 0).sum())
    print(
        f"paires candidates : {pairs} ({pairs / n_households:.1f} par ménage) ; ménages avec un logement possible : {eligible}"
    )
    base = runs["offre par offre"].total_score
    print()
    print(
        "| méthode | score total | vs offre par offre | placés DALO / prioritaires / autres | vœu 1 / 2 / 3 / 4+ / toute commune "
        "| paires bloquantes (DALO) | candidats | résolution | listes | bout en bout | violations |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for method in METHODS:
        run = runs[method]
        f = fairness(run)
        placed = run.placed_by_tier()
        w = run.wish_ranks()
        violations = verifier.violations(by_id_h, by_id_u, run.shortlists, thresholds)
        tm = run.timings
        print(
            f"| {method} | {run.total_score} | {100 * (run.total_score / base - 1):+.1f} % "
            f"| {' / '.join(str(placed[t]) for t in TIERS)} "
            f"| {w['vœu 1']} / {w['vœu 2']} / {w['vœu 3']} / {w['vœu 4+']} / {w['toute commune']} "
            f"| {f.blocking_pairs} ({f.blocking_by_tier['dalo']}) "
            f"| {tm['candidates']:.2f} s | {tm['solve']:.2f} s | {tm['shortlists']:.3f} s | {tm['total']:.2f} s | {len(violations)} |"
        )
    best = runs["moteur"]
    f = fairness(best)
    print("\nmoteur, placés par groupe (ménages / avec un logement possible / placés) :")
    for title, groups in (("palier", f.by_tier), ("sexe", f.by_sex), ("famille", f.by_family)):
        print(f"  {title}: " + " ; ".join(f"{g.label} {g.households}/{g.eligible}/{g.placed}" for g in groups))
    placed = [h for v in best.shortlists.values() for h in v]
    rng = np.random.default_rng(seed)
    sample = rng.choice(placed, size=min(300, len(placed)), replace=False).tolist()
    times = []
    reasons = {}
    for household_id in sample:
        t = time.perf_counter()
        e = explain(best, household_id)
        times.append(time.perf_counter() - t)
        reasons[e.alternative.reason] = reasons.get(e.alternative.reason, 0) + 1
    print(
        f"explication d'une proposition : médiane {1000 * statistics.median(times):.2f} ms, "
        f"max {1000 * max(times):.2f} ms ({len(times)} tirées) ; meilleure alternative : {reasons}"
    )
    candidates_solve_lists = best.timings["candidates"] + best.timings["solve"] + best.timings["shortlists"]
    print(
        f"moteur : résolution {best.timings['solve']:.2f} s ({best.timings['solve_cpu']:.2f} s de CPU), listes {candidates_solve_lists:.2f} s depuis les tableaux, "
        f"bout en bout {best.timings['total']:.2f} s ; mémoire de pointe (RSS) après le moteur {engine_peak:.0f} Mo, "
        f"du processus {peak_mb():.0f} Mo"
    )
    s = best.solver
    print(
        f"enchère : {s['phases']} phases, {s['bids']} offres, {s['reverse_steps']} pas inverses, "
        f"optimum certifié : {'oui' if s['certified'] else 'non'}"
    )
    c = best.candidates
    values = pair_values(instance, c, best.step)
    t, cpu = time.perf_counter(), time.process_time()
    reference = int(values[_solve_flow(len(instance.households), len(instance.units), c.h, c.u, values)].sum())
    print(
        f"référence OR-Tools (flot de coût minimal, même graphe) : {time.perf_counter() - t:.2f} s "
        f"({time.process_time() - cpu:.2f} s de CPU), même optimum : {'oui' if reference == best.objective else 'NON'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int)
    parser.add_argument("--units", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.households and args.units:
        one(args.households, args.units, args.seed)
        return
    for n_households, n_units in SIZES:  # one process per size: its own peak memory
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--households",
                str(n_households),
                "--units",
                str(n_units),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()

"""A matching run: launched by the coordinator, executed in the background by the task worker.

The run reads the territory's current grid and rules, the households on the list and the
available units (`adapter`), asks the pure engine (`matching.match`), and writes each unit's
shortlist as candidate proposals with their explanation (codes, figures and references; no
names). The candidates of earlier runs not yet sent are withdrawn in the same transaction: the
new run replaces them.
"""

import re
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lda.households.models import Household
from lda.households.services import Author
from lda.housing import adapter, codes, matching
from lda.housing.data import Instance
from lda.housing.models import MatchingRun, Proposal, ProposalEvent
from lda.tasks import queue
from lda.tasks.models import Status
from lda.tasks.registry import TaskError, task_handler

KIND = "housing.matching_run"
P = codes.ProposalStatus


def run_page(task) -> str:
    return reverse("housing:run", args=[task.matching_run.pk])


class RunUnderWay(Exception):
    """A conflict, not a wrong input: another run of the territory is queued or running."""


@transaction.atomic
def launch(territory, author: Author, method: str = "moteur") -> MatchingRun:
    """Queues a run; refuses a second one while one is queued or running."""
    if method not in matching.METHODS:
        raise ValidationError({"method": "Méthode inconnue."})
    grid, rules = adapter.current_grid(territory.pk), adapter.current_rules(territory.pk)
    if grid is None or rules is None:
        raise ValidationError(
            {"__all__": "Le territoire n'a pas encore de grille de cotation ni de règles : installez-les d'abord."}
        )
    if MatchingRun.objects.filter(territory=territory, task__status__in=[Status.QUEUED, Status.RUNNING]).exists():
        raise RunUnderWay("Un rapprochement est déjà en cours pour ce territoire : attendez sa fin.")
    task = queue.enqueue(KIND, user=author.user, territory=territory)
    run = MatchingRun.objects.create(
        territory=territory, grid=grid, rules=rules, method=method, launched_by=author.user, task=task
    )
    task.payload = {"run": run.pk}
    task.save(update_fields=["payload"])
    return run


_ID = re.compile(r"\b(logement|ménage) (\d+)")


def _readable(text: str, units: dict[int, str], households: dict[int, str]) -> str:
    """The engine names records by id; people read references."""

    def sub(m):
        table = units if m.group(1) == "logement" else households
        return f"{m.group(1)} {table.get(int(m.group(2)), m.group(2))}"

    return _ID.sub(sub, text)


def explanation_json(explanation: matching.Explanation, units: dict[int, str], households: dict[int, str]) -> dict:
    a, alt = explanation.affordability, explanation.alternative
    return {
        "tier": explanation.tier,
        "tier_label": explanation.tier_label,
        "method": explanation.method,
        "grid_version": explanation.grid_version,
        "thresholds_version": explanation.thresholds_version,
        "constraints_met": [code for code, _ in explanation.constraints_met],
        "terms": [
            {"code": t.code, "label": t.label, "met": t.met, "value": t.value, "points": t.points}
            for t in explanation.terms
        ],
        "household_score": explanation.household_score,
        "pair_score": explanation.pair_score,
        "affordability": {
            "housing_cost": round(a.housing_cost, 2),
            "net_cost": round(a.net_cost, 2),
            "effort_rate": round(a.effort_rate, 4) if a.effort_rate != float("inf") else None,
            "daily_rest_per_uc": round(a.daily_rest_per_uc, 2),
            "consumption_units": a.consumption_units,
        },
        "alternative": {
            "unit": units.get(alt.unit_id) if alt.unit_id else None,
            "pair_score": alt.pair_score,
            "reason": alt.reason,
            "text": _readable(alt.text, units, households),
            "exchange_delta": alt.exchange_delta,
        },
    }


def fairness_json(report: matching.FairnessReport) -> dict:
    def groups(rows):
        return [
            {"label": g.label, "households": g.households, "eligible": g.eligible, "placed": g.placed} for g in rows
        ]

    return {
        "by_tier": groups(report.by_tier),
        "by_sex": groups(report.by_sex),
        "by_family": groups(report.by_family),
        "blocking_pairs": report.blocking_pairs,
        "blocking_by_tier": report.blocking_by_tier,
        "idle_places": report.idle_places,
    }


def execute(run: MatchingRun, progress=lambda *a, **k: None) -> dict:
    """Computes the run and writes its proposals (the caller holds the transaction)."""
    today = timezone.localdate()
    t0 = time.perf_counter()
    MatchingRun.objects.filter(pk=run.pk).update(status=codes.RunStatus.RUNNING)
    progress(1, 5, "Lecture des ménages et des logements disponibles")
    # Candidates not sent from earlier runs are replaced by this one.
    stale = list(Proposal.objects.filter(territory_id=run.territory_id, status=P.CANDIDATE).values_list("pk", "status"))
    Proposal.objects.filter(pk__in=[pk for pk, _ in stale]).update(status=P.WITHDRAWN, closed_on=today)
    ProposalEvent.objects.bulk_create(
        ProposalEvent(
            proposal_id=pk,
            action="withdraw",
            status_from=status,
            status_to=P.WITHDRAWN,
            occurred_on=today,
            payload={"reason": "nouveau_rapprochement", "run": run.pk},
            user_id=run.launched_by_id,
        )
        for pk, status in stale
    )
    units = adapter.available_units(run.territory_id)
    households = adapter.engine_households(run.territory_id, today)
    grid, thresholds = adapter.engine_grid(run.grid), adapter.engine_thresholds(run.rules)
    instance = Instance.build(households, [adapter.engine_unit(u) for u in units])
    read_seconds = time.perf_counter() - t0
    progress(2, 5, f"Calcul de la meilleure répartition ({len(households)} ménages, {len(units)} logements)")
    result = matching.match(instance, thresholds, grid, run.method)
    progress(3, 5, "Explication de chaque proposition")
    unit_refs = {u.pk: u.reference for u in units}
    placed = [hid for shortlist in result.shortlists.values() for hid in shortlist]
    household_refs = dict(Household.objects.filter(pk__in=placed).values_list("pk", "reference"))
    rows = []
    for unit_id, shortlist in sorted(result.shortlists.items()):
        for rank, household_id in enumerate(shortlist, start=1):
            e = matching.explain(result, household_id)
            rows.append(
                Proposal(
                    territory_id=run.territory_id,
                    unit_id=unit_id,
                    household_id=household_id,
                    run=run,
                    rank=rank,
                    status=P.CANDIDATE,
                    score=e.pair_score,
                    priority=e.tier,
                    grid=run.grid,
                    explanation=explanation_json(e, unit_refs, household_refs),
                    created_by_id=run.launched_by_id,
                )
            )
    progress(4, 5, f"Enregistrement de {len(rows)} propositions")
    Proposal.objects.bulk_create(rows, batch_size=500)
    report = matching.fairness(result)
    stats = {
        "households": len(households),
        "units": len(units),
        "pairs": len(result.candidates),
        "proposals": len(rows),
        "units_with_candidates": len(result.shortlists),
        "placed_by_tier": result.placed_by_tier(),
        "wish_ranks": result.wish_ranks(),
        "total_score": result.total_score,
        "solver": result.solver,
        "seconds": {
            "read": round(read_seconds, 3),
            **{k: round(v, 3) for k, v in result.timings.items()},
            "all": round(time.perf_counter() - t0, 3),
        },
    }
    MatchingRun.objects.filter(pk=run.pk).update(
        status=codes.RunStatus.DONE, finished_at=timezone.now(), stats=stats, fairness=fairness_json(report)
    )
    progress(5, 5, "Terminé")
    return {"run": run.pk, "proposals": len(rows)}


@task_handler(KIND, label="Rapprochement de l'offre et de la demande", atomic=True, done_url=run_page)
def matching_run(task, progress):
    run = MatchingRun.objects.select_related("grid", "rules").filter(pk=task.payload.get("run")).first()
    if run is None:
        raise TaskError("Ce rapprochement n'existe plus.")
    try:
        return execute(run, progress)
    except ValueError as exc:
        raise TaskError(f"Le rapprochement n'a pas pu être calculé : {exc}.") from exc

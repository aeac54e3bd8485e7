"""Demo history of proposals over the last 18 months, replayed through `lda/housing/proposals.py`
(add_candidate, send_shortlist, decide, offer, answer, sign_lease, enter), each call with the clock
on its day (`housing.clock`), so the services check every hard constraint and date rule as they
would have then; then one matching run through `runs.launch` and the task's own handler.

Every fortnight an allocation committee's worth of available units gets a shortlist of up to three
households, the best scored among those the constraints allow (now and then one outside the
household's communes, with the justification the service asks for). The committee allocates at
rank 1/2/3, refuses (landlord or holder reason) or postpones; the unit is offered to the first
allocated household, which accepts or refuses (Housing First: refusals are normal, with their
reason), then signs the lease and enters; the entry takes the household off the list as housed.
Events falling after today stay undone: the proposals are left where they stand.

The pool: households on the list today (the others' history is the households step's, written
before any proposal existed), except the documented referent's, whose caseload the households
demo calibrates. Calibration (documented bands, checked by `tests/demo/test_demo_housing.py`):
household refusals 15–35 % of the answers, committee refusals under 25 % of the decisions, delay
from the demand to the entry 2–14 months on average.
"""

import heapq
import itertools
import random
from collections import Counter
from datetime import date, timedelta

from django.core.exceptions import ValidationError

from lda.demo.catalogue import DEMO_ACCOUNTS
from lda.demo.clock import clock
from lda.demo.housing import CAPTURE_INCENTIVE, Supply, _pick
from lda.households.models import Household
from lda.housing import adapter, codes, constraints, proposals, runs, scoring
from lda.housing.models import Proposal, RefusalReason, Unit
from lda.tasks import queue

P = codes.ProposalStatus
U = codes.UnitStatus

HISTORY_DAYS = 540
ROUND_DAYS = 14
WAIT_BEFORE_PROPOSAL = 10  # days on the list before a first proposal
SHORTLIST_CHANCE = 0.15  # an available unit examined at a given committee round
LATE_CHANCE = 0.1  # …in the last weeks, so that the matching run finds units to fill
LATE_DAYS = 45
COMMITTEE = {P.ALLOCATED: 80, P.COMMITTEE_REFUSED: 12, P.POSTPONED: 8}
HOUSEHOLD_REFUSAL = 0.25  # share of offers the household refuses
HOUSEHOLD_REASONS = {
    "menage-localisation": 25,
    "menage-inadapte": 15,
    "menage-etat": 12,
    "menage-cout": 8,
    "menage-environnement": 15,
    "menage-autre-solution": 8,
    "menage-sans-motif": 10,
    "menage-injoignable": 7,
}
LANDLORD_REASONS = {
    "bailleur-dossier": 30,
    "bailleur-inadapte": 15,
    "bailleur-ressources": 20,
    "bailleur-dette": 15,
    "bailleur-peuplement": 10,
    "reservataire-hors-public": 6,
    "reservataire-autre-candidat": 4,
}
HOLDER_REASONS = frozenset({"reservataire-hors-public", "reservataire-autre-candidat"})
OVERRIDE_CHANCE = 0.1  # a shortlist short of candidates takes one outside the household's communes
JUSTIFICATIONS = (
    "Le ménage a indiqué en entretien être prêt à élargir sa recherche à cette commune.",
    "Logement adapté au handicap, rare sur le secteur souhaité : proposé avec l'accord du ménage.",
    "Commune limitrophe du secteur souhaité, desservie par le tramway ; le ménage souhaite visiter.",
)


class History:
    def __init__(self, supply: Supply, rng: random.Random, today: date):
        self.supply, self.rng, self.today = supply, rng, today
        self.territory = supply.territory
        self.coordinator = supply.coordinator
        self.queue: list = []
        self.seq = itertools.count()
        self.counts = Counter()
        self.housed: set[int] = set()
        self.rules = adapter.current_rules(self.territory.pk)
        self.thresholds = adapter.engine_thresholds(self.rules)
        self.grid = adapter.engine_grid(adapter.current_grid(self.territory.pk))
        self.reasons = dict(RefusalReason.objects.filter(territory=self.territory).values_list("code", "pk"))
        documented = [a.email for a in DEMO_ACCOUNTS if a.role == "referent"]
        self.pool = sorted(
            Household.objects.filter(territory=self.territory, status="on_list", merged_into__isnull=True)
            .exclude(referent__email__in=documented)
            .values_list("entered_list_on", "pk")
        )
        self.units = {u.pk for u in supply.units} | {u.pk for u in supply.residence_units}
        self.landlord_keys = {org.pk: key for key, org in supply.organisations.items()}

    def schedule(self, on: date, action, *args):
        if on <= self.today:
            heapq.heappush(self.queue, (on, next(self.seq), action, args))

    def run(self) -> Counter:
        start = self.today - timedelta(days=HISTORY_DAYS)
        for k in range(HISTORY_DAYS // ROUND_DAYS + 1):
            self.schedule(start + timedelta(days=k * ROUND_DAYS), self.round)
        while self.queue:
            on, _, action, args = heapq.heappop(self.queue)
            with clock(on):
                action(on, *args)
        return self.counts

    def landlord(self, unit: Unit):
        return self.supply.author(self.landlord_keys.get(unit.landlord_id, "platform"))

    # --- a committee round: shortlists for part of the available units -------------------------------

    def round(self, on: date):
        ids = [pk for entered, pk in self.pool if entered <= on - timedelta(days=WAIT_BEFORE_PROPOSAL)]
        ids = [pk for pk in ids if pk not in self.housed]
        if not ids:
            return
        records = adapter.engine_households(self.territory.pk, on, ids)
        self.households = Household.objects.in_bulk(ids)
        records.sort(key=lambda r: (r.tier, -scoring.household_score(r, self.grid), r.id))
        busy = set(
            Proposal.objects.filter(status__in=codes.ACTIVE_PROPOSAL)
            .exclude(status=P.CANDIDATE)
            .values_list("unit_id", flat=True)
        )
        units = list(
            Unit.objects.filter(territory=self.territory, status=U.AVAILABLE, status_since__lte=on, pk__in=self.units)
            .exclude(pk__in=busy)
            .order_by("pk")
        )
        chance = LATE_CHANCE if on > self.today - timedelta(days=LATE_DAYS) else SHORTLIST_CHANCE
        used: set[int] = set()
        for unit in units:
            if self.rng.random() >= chance:
                continue
            self.shortlist(unit, records, used, on)

    def shortlist(self, unit: Unit, records: list, used: set, on: date):
        engine_unit = adapter.engine_unit(unit)
        chosen, override = [], None
        for record in records:
            if record.id in used:
                continue
            reasons = constraints.why_not(record, engine_unit, self.thresholds)
            if not reasons:
                chosen.append(record)
            elif override is None and reasons == ["commune_non_souhaitee"]:
                override = record
            if len(chosen) == proposals.SHORTLIST:
                break
        if len(chosen) < proposals.SHORTLIST and override is not None and self.rng.random() < OVERRIDE_CHANCE:
            chosen.append(override)
        else:
            override = None
        added = 0
        for record in chosen:
            justification = self.rng.choice(JUSTIFICATIONS) if record is override else ""
            try:
                proposals.add_candidate(unit, self.households[record.id], self.coordinator, justification)
            except ValidationError:  # the service knows better (e.g. a proposal opened since the round began)
                continue
            used.add(record.id)
            added += 1
            self.counts["hors souhaits justifiés"] += bool(justification)
        if not added:
            return
        proposals.send_shortlist(unit, self.coordinator, on)
        self.schedule(on + timedelta(days=self.rng.randint(7, 21)), self.committee, unit.pk)

    # --- the committee, the offer, the answer, the lease, the entry --------------------------------------

    def committee(self, on: date, unit_pk: int):
        pending = list(Proposal.objects.filter(unit_id=unit_pk, status__in=[P.SENT, P.POSTPONED]).order_by("rank"))
        if not pending:
            return
        unit = pending[0].unit
        author = self.landlord(unit)
        # Ranks are given within one shortlist (a unit offered again gets a new one).
        shortlist = Proposal.objects.filter(unit_id=unit_pk, sent_on=pending[0].sent_on, committee_rank__isnull=False)
        rank = max(shortlist.values_list("committee_rank", flat=True), default=0)
        postponed = False
        for proposal in pending:
            decision = _pick(self.rng, COMMITTEE)
            if decision == P.POSTPONED and proposal.status == P.POSTPONED:
                decision = P.ALLOCATED  # examined again: decided this time
            if decision == P.ALLOCATED:
                rank += 1
                proposals.decide(proposal, author, P.ALLOCATED, on, committee_rank=rank)
            elif decision == P.COMMITTEE_REFUSED:
                code = _pick(self.rng, LANDLORD_REASONS)
                if code in HOLDER_REASONS and unit.contingent_kind == codes.Contingent.LANDLORD:
                    code = "bailleur-dossier"
                proposals.decide(proposal, author, decision, on, refusal_reason=self.reasons[code])
            else:
                proposals.decide(proposal, author, decision, on)
                postponed = True
            self.counts[f"décisions {decision}"] += 1
        if postponed:
            self.schedule(on + timedelta(days=self.rng.randint(14, 28)), self.committee, unit_pk)
        self.schedule(on + timedelta(days=self.rng.randint(1, 6)), self.offer, unit_pk)

    def offer(self, on: date, unit_pk: int):
        holding = Proposal.objects.filter(unit_id=unit_pk, status__in=[P.OFFERED, P.ACCEPTED, P.LEASED, P.ENTERED])
        nxt = (
            Proposal.objects.filter(unit_id=unit_pk, status=P.ALLOCATED, committee_on__lte=on)
            .order_by("committee_rank")
            .first()
        )
        if nxt is None or holding.exists():
            return
        proposals.offer(nxt, self.coordinator, on)
        self.schedule(on + timedelta(days=self.rng.randint(3, 14)), self.answer, nxt.pk)

    def answer(self, on: date, pk: int):
        proposal = Proposal.objects.get(pk=pk)
        if self.rng.random() >= HOUSEHOLD_REFUSAL:
            proposals.answer(proposal, self.coordinator, True, on)
            self.schedule(on + timedelta(days=self.rng.randint(5, 20)), self.lease, pk)
        else:
            reason = self.reasons[_pick(self.rng, HOUSEHOLD_REASONS)]
            proposals.answer(proposal, self.coordinator, False, on, refusal_reason=reason)
            self.schedule(on + timedelta(days=self.rng.randint(2, 7)), self.offer, proposal.unit_id)

    def lease(self, on: date, pk: int):
        proposal = Proposal.objects.select_related("unit").get(pk=pk)
        proposals.sign_lease(proposal, self.landlord(proposal.unit), on)
        self.schedule(on + timedelta(days=self.rng.randint(0, 10)), self.enter, pk)

    def enter(self, on: date, pk: int):
        proposal = Proposal.objects.select_related("unit").get(pk=pk)
        proposals.enter(proposal, self.coordinator, on)
        self.housed.add(proposal.household_id)
        self.counts["entrées dans un logement"] += 1
        prospect = getattr(proposal.unit, "prospect", None) if proposal.unit.capture_mode else None
        if prospect is not None and prospect.mode == codes.CaptureMode.SUBLEASE:
            # Alpes-de-Haute-Provence: the incentive is paid again at each new family in sublease.
            from lda.housing import services

            services.pay_incentive(prospect, self.coordinator, codes.IncentiveReason.NEW_FAMILY, CAPTURE_INCENTIVE, on)
            self.counts["primes"] += 1


def matching_run(supply: Supply):
    """A finished run over today's available units: launched like the coordinator does, computed
    by the task's own handler (synchronously), so its task is done and the shortlists wait."""
    run = runs.launch(supply.territory, supply.coordinator)
    queue.run_task(run.task, live=False)
    run.refresh_from_db()
    return run


def build_history(supply: Supply, rng: random.Random, today: date) -> Counter:
    history = History(supply, rng, today)
    counts = history.run()
    run = matching_run(supply)
    counts["rapprochements"] = 1
    counts["propositions"] = Proposal.objects.filter(territory=supply.territory).count()
    counts["candidatures du rapprochement"] = run.stats.get("proposals", 0)
    return counts

"""A compiled policy and its decision: facts and a moment in, one verdict with its trace and statement out."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from masthead.domain.posts import Outcome
from masthead.policy.dsa import AUTOMATED_DECISION, VISIBILITY, Ground
from masthead.policy.matcher import Matcher
from masthead.policy.model import OUTCOME_RANK, Campaign, Mode, PolicyCase, Rule, StrikeRules
from masthead.policy.schema import FactSchema

_BY_RANK: dict[int, Outcome] = {rank: outcome for outcome, rank in OUTCOME_RANK.items()}
# Read once: looking a member up on an enum class costs more than a dict lookup in Python 3.11.
_PUBLISH, _LABEL_RANK, _LIVE, _ILLEGAL = Outcome.PUBLISH, OUTCOME_RANK[Outcome.LABEL], Mode.LIVE, Ground.ILLEGAL
_DECISION_GROUND = {ground: ground.decision_ground for ground in Ground}

# How many actions each campaign has already taken today: a mapping, or a callable asked only when a capped
# campaign's rule would act.
ActionsToday = Mapping[str, int] | Callable[[str], int]


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    labels: list[str]
    trace: list[dict[str, Any]]
    policy_id: str
    policy_version: int
    policy_sha256: str
    at: datetime
    rules: list[str]
    explanation: str
    statement: dict[str, Any] | None
    restriction_ends_at: datetime | None
    campaign_actions: list[str]
    automated: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The verdict as JSON-ready values, for the decision record."""
        return {
            "outcome": self.outcome.value, "labels": self.labels, "trace": self.trace,
            "policy": {"id": self.policy_id, "version": self.policy_version, "sha256": self.policy_sha256},
            "at": self.at.isoformat(), "rules": self.rules, "explanation": self.explanation,
            "statement": self.statement,
            "restriction_ends_at": self.restriction_ends_at.isoformat() if self.restriction_ends_at else None,
            "campaign_actions": self.campaign_actions, "automated": self.automated,
        }


@dataclass(frozen=True)
class Policy:
    id: str
    version: int
    sha256: str
    description: str
    source_name: str
    rules: tuple[Rule, ...]
    campaigns: tuple[Campaign, ...]
    cases: tuple[PolicyCase, ...]
    schema: FactSchema
    conditions: Matcher
    strikes: StrikeRules = StrikeRules()

    def campaign(self, campaign_id: str) -> Campaign:
        return next(campaign for campaign in self.campaigns if campaign.id == campaign_id)

    def active_campaigns(self, at: datetime) -> tuple[str, ...]:
        return tuple(campaign.id for campaign in self.campaigns if campaign.active_at(at))

    def decide(self, facts: Mapping[str, Any], at: datetime, *, puid: str = "", language: str | None = None,
               application_date: date | None = None, actions_today: ActionsToday | None = None) -> Verdict:
        """Decide one post. `facts` is nested as the fact names are dotted ({"scores": {"sexual": 0.2}, ...});
        absent facts read as zero, false, "" or []. The same facts, policy and `at` always give the same verdict."""
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        active = self.active_campaigns(at) if self.campaigns else ()
        return self._decide(facts, at, active, puid, language, application_date, actions_today)

    def decide_with_campaigns(self, facts: Mapping[str, Any], at: datetime, active: tuple[str, ...], *,
                              puid: str = "", language: str | None = None, application_date: date | None = None,
                              actions_today: ActionsToday | None = None) -> Verdict:
        """As decide, with the active campaigns given instead of derived from `at` (for test cases)."""
        return self._decide(facts, at, active, puid, language, application_date, actions_today)

    def _decide(self, facts: Mapping[str, Any], at: datetime, active: tuple[str, ...], puid: str,
                language: str | None, application_date: date | None, actions_today: ActionsToday | None) -> Verdict:
        hits, flat = self.conditions.match(facts, active)
        if flat is None:
            return _verdict({
                "outcome": _PUBLISH, "labels": [], "trace": [], "policy_id": self.id,
                "policy_version": self.version, "policy_sha256": self.sha256, "at": at, "rules": [], "explanation": "",
                "statement": None, "restriction_ends_at": None, "campaign_actions": [], "automated": True,
            })
        trace: list[dict[str, Any]] = []
        enforced: list[Rule] = []
        labels: list[str] = []
        capped: dict[str, bool] = {}
        for index, result in hits:
            rule = self.rules[index]
            if rule.campaign is not None and rule.campaign not in active:
                continue
            rule_id, mode, outcome_name = rule.trace_head
            entry: dict[str, Any] = {
                "rule": rule_id, "mode": mode, "outcome": outcome_name, "labels": list(rule.labels),
                "severity": rule.severity,
                "facts": {name: flat[name] for name in rule.facts},
            }
            if result is not True:
                entry["error"] = f"condition failed at run time ({result}); applied as matched"
            enforce = rule.mode is _LIVE
            if rule.campaign is not None:
                entry["campaign"] = rule.campaign
                if enforce and self._cap_reached(rule.campaign, actions_today, capped):
                    enforce = False
                    cap = self.campaign(rule.campaign).daily_cap
                    entry["note"] = f"not enforced: campaign {rule.campaign} reached its daily cap of {cap}"
            entry["enforced"] = enforce
            trace.append(entry)
            if enforce:
                enforced.append(rule)
                if rule.labels:
                    labels.extend(label for label in rule.labels if label not in labels)
        rank = 0
        for rule in enforced:
            if rule.rank > rank:
                rank = rule.rank
        winners = [rule for rule in enforced if rule.rank == rank]
        if rank == 0 and labels:
            rank = _LABEL_RANK
            winners = [rule for rule in enforced if rule.labels]
        elif rank == 0:
            winners = []
        outcome = _BY_RANK[rank]
        if len(winners) == 1:
            explanation = winners[0].explanation.render(flat)
        else:
            explanation = " ".join(dict.fromkeys(rule.explanation.render(flat) for rule in winners))
        ends = self._restriction_end(winners)
        statement = None
        if outcome is not _PUBLISH:
            lang = language if language is not None else str(flat.get("post.lang", ""))
            statement = _statement(outcome, winners, explanation, ends, puid=puid, language=lang,
                                   application_date=application_date or at.astimezone(UTC).date())
        campaigns = [rule.campaign for rule in winners if rule.campaign is not None]
        return _verdict({
            "outcome": outcome, "labels": labels, "trace": trace, "policy_id": self.id,
            "policy_version": self.version, "policy_sha256": self.sha256, "at": at,
            "rules": [rule.id for rule in winners], "explanation": explanation, "statement": statement,
            "restriction_ends_at": ends, "campaign_actions": list(dict.fromkeys(campaigns)) if campaigns else [],
            "automated": True,
        })

    def _cap_reached(self, campaign_id: str, actions_today: ActionsToday | None, seen: dict[str, bool]) -> bool:
        if campaign_id not in seen:
            cap = self.campaign(campaign_id).daily_cap
            if cap is None or actions_today is None:
                seen[campaign_id] = False
            else:
                taken = actions_today(campaign_id) if callable(actions_today) else actions_today.get(campaign_id, 0)
                seen[campaign_id] = taken >= cap
        return seen[campaign_id]

    def _restriction_end(self, winners: list[Rule]) -> datetime | None:
        """A restriction lifts by itself only when every rule that imposed it belongs to a campaign."""
        latest: datetime | None = None
        for rule in winners:
            if rule.campaign is None:
                return None
            ends = self.campaign(rule.campaign).ends
            if latest is None or ends > latest:
                latest = ends
        return latest


def _verdict(values: dict[str, Any]) -> Verdict:
    """Verdict(**values) for values naming every field, made by filling the instance's dict in one step: a frozen
    dataclass's __init__ sets each field through object.__setattr__, which took a third of a decision that
    matched no rule."""
    verdict: Verdict = object.__new__(Verdict)
    verdict.__dict__.update(values)
    return verdict


def _statement(outcome: Outcome, winners: list[Rule], explanation: str, ends: datetime | None, *, puid: str,
               language: str, application_date: date) -> dict[str, Any]:
    """A statement of reasons in the DSA Transparency Database schema, from the rules that set the outcome."""
    primary = winners[0] if len(winners) == 1 else max(winners, key=lambda rule: rule.severity)
    statement: dict[str, Any] = {
        "decision_visibility": [VISIBILITY[outcome]],
        "end_date_visibility_restriction": ends.astimezone(UTC).date().isoformat() if ends else None,
        "decision_ground": _DECISION_GROUND[primary.ground],
        "category": primary.category,
        "category_specification": list(primary.keywords) if len(winners) == 1 else
        list(dict.fromkeys(keyword for rule in winners for keyword in rule.keywords)),
        "content_type": ["CONTENT_TYPE_TEXT"],
        "content_language": language.upper() or None,
        "automated_detection": "Yes",
        "automated_decision": AUTOMATED_DECISION[outcome],
        "source_type": "SOURCE_VOLUNTARY",
        "application_date": application_date.isoformat(),
        "decision_facts": explanation,
        "puid": puid,
    }
    if primary.ground is _ILLEGAL:
        statement["illegal_content_legal_ground"] = primary.ground_reference
        statement["illegal_content_explanation"] = explanation
    else:
        statement["incompatible_content_ground"] = primary.ground_reference
        statement["incompatible_content_explanation"] = explanation
        statement["incompatible_content_illegal"] = "No"
    return statement

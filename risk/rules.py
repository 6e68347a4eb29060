"""The rule set: how many points each factor gives, its caps, the season's share, and the
thresholds from score to level. Versioned: a score keeps the version it was computed by, and
changing any number below means a new version (a new `RuleSet` literal added to `RULESETS`),
never an edit of a published one. docs/risk.md shows the current one as a table.

Points are integers, so a score is exactly the sum of its contributions."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from backend.core.errors import InvalidInput
from grids.premises.enums import CreditStatus, PremisesType, RiskLevel, SupervisionTier


@dataclass(frozen=True)
class CountRule:
    """Points per counted fact of a kind (e.g. an open major hazard), up to a cap."""

    label: str  # zh, e.g. 未整改隐患
    unit: str  # zh measure word: 处, 起, 次
    per: dict[str, tuple[int, str]]  # kind -> (points each, zh name of the kind)
    cap: int

    def points(self, counts: dict[str, int]) -> tuple[int, bool]:
        raw = sum(self.per[k][0] * n for k, n in counts.items() if k in self.per)
        return min(raw, self.cap), raw > self.cap


@dataclass(frozen=True)
class Season:
    """A share (percent) of the other factors' points, added in the months it names."""

    months: frozenset[int]
    percent: int
    label: str  # zh


@dataclass(frozen=True)
class RuleSet:
    version: str
    type_points: dict[str, int]
    key_unit_points: int
    tier_points: dict[str, int]
    credit_points: dict[str, int]  # may be negative (红名单); see `check`
    counts: dict[str, CountRule]  # by source name
    seasons: tuple[Season, ...]
    levels: tuple[tuple[int, str], ...]  # (lowest score, level), highest first
    grid_top_k: int  # a grid's score: the mean of its k highest premises scores
    window_days: int = 365  # past hazards, complaints, incidents, alarms: the last 12 months
    complaint_radius_m: int = 50  # a complaint within this distance, in the same grid, counts
    draw_weight_divisor: int = 25  # a draw's weight: 1 + score / divisor
    notes: dict[str, str] = field(default_factory=dict)

    def check(self) -> None:
        """A score never goes below zero: the lowest type points cover the largest deduction."""
        if min(self.type_points.values()) + min(0, *self.credit_points.values()) < 0:
            raise InvalidInput(f"rule set {self.version}: a score could fall below zero")

    def level_for(self, score: int) -> RiskLevel:
        return next(RiskLevel(level) for lowest, level in self.levels if score >= lowest)

    def season_of(self, month: int) -> Season | None:
        return next((s for s in self.seasons if month in s.months), None)

    def draw_weight(self, score: int) -> float:
        """The random draw's weight of a premises scoring `score` (kept in the draw's inputs)."""
        return round(1 + score / self.draw_weight_divisor, 4)


# The registry's names of the same levels (grids.premises.sheets, the console): one
# vocabulary for a typed and a computed level.
LEVEL_ZH = {
    RiskLevel.LOW: "低",
    RiskLevel.MEDIUM: "中",
    RiskLevel.HIGH: "高",
    RiskLevel.VERY_HIGH: "很高",
}
LEVEL_ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.VERY_HIGH]


def higher(a: str, b: str | None) -> str:
    """The higher of two risk levels (`b` may be missing)."""
    if b is None:
        return a
    return max(a, b, key=lambda level: LEVEL_ORDER.index(RiskLevel(level)))


T = PremisesType
RULESET_2026_1 = RuleSet(
    version="2026-1",
    type_points={
        T.FLAMMABLE_EXPLOSIVE: 25,
        T.LARGE_COMPLEX: 20,
        T.UNDERGROUND: 20,
        T.LIVING_WORKSHOP: 18,  # 三合一: people sleep where goods burn
        T.ELDERLY_CARE: 18,
        T.HOSPITAL: 15,
        T.CHILD_VENUE: 15,
        T.PUBLIC_GATHERING: 15,
        T.HIGH_RISE: 15,
        T.LABOUR_INTENSIVE: 12,
        T.SCHOOL: 12,
        T.SMALL_VENUE: 10,
        T.FARM_STAY: 10,
        T.RESIDENTIAL: 5,
        T.OTHER: 5,
    },
    key_unit_points=10,
    tier_points={
        SupervisionTier.BRIGADE: 5,
        SupervisionTier.POLICE_STATION: 3,
        SupervisionTier.TOWNSHIP: 0,
    },
    credit_points={
        CreditStatus.BLACKLIST: 20,
        CreditStatus.WATCH: 10,
        CreditStatus.NORMAL: 0,
        CreditStatus.RED_LIST: -5,
    },
    counts={
        "open_hazards": CountRule(
            "未整改隐患", "处", {"ordinary": (8, "一般隐患"), "major": (20, "重大火灾隐患")}, cap=40
        ),
        "past_hazards": CountRule(
            "近12个月已整改隐患",
            "处",
            {"ordinary": (3, "一般隐患"), "major": (8, "重大火灾隐患")},
            cap=20,
        ),
        "complaints": CountRule("近12个月投诉举报", "次", {"complaint": (6, "投诉")}, cap=24),
        "fire_incidents": CountRule(
            "近12个月火灾", "起", {"fire": (20, "火灾"), "casualties": (10, "有人员伤亡")}, cap=40
        ),
        "alarm_events": CountRule(
            "近12个月物联网报警",
            "次",
            {"alarm": (3, "火警"), "repeated": (6, "重复报警"), "fault": (1, "故障")},
            cap=15,
        ),
    },
    seasons=(
        Season(frozenset({1, 2}), 20, "冬春火灾防控期（含春节）"),
        Season(frozenset({11, 12, 3}), 15, "冬春火灾防控期"),
        Season(frozenset({10, 4}), 5, "干燥季节"),
    ),
    levels=(
        (60, RiskLevel.VERY_HIGH),
        (40, RiskLevel.HIGH),
        (20, RiskLevel.MEDIUM),
        (0, RiskLevel.LOW),
    ),
    grid_top_k=5,
)

RULESETS = MappingProxyType({RULESET_2026_1.version: RULESET_2026_1})
CURRENT = RULESET_2026_1.version


def ruleset(version: str | None = None) -> RuleSet:
    try:
        rules = RULESETS[version or CURRENT]
    except KeyError:
        raise InvalidInput(
            f"no risk rule set {version!r}; known: {', '.join(RULESETS)}", field="ruleset"
        ) from None
    rules.check()
    return rules

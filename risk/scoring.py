"""Scoring one premises: a pure function of its row, its sources' facts and the rule set. The
score is the exact sum of its contributions (integers); nothing here reads the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from backend.core.localtime import LOCAL_TIME
from risk.rules import LEVEL_ZH, RuleSet
from risk.sources import Contribution, PremisesRow

TYPE_ZH = {
    "public_gathering": "公众聚集场所",
    "high_rise": "高层建筑",
    "underground": "地下建筑",
    "large_complex": "大型综合体",
    "flammable_explosive": "易燃易爆场所",
    "farm_stay": "农家乐/民宿",
    "small_venue": "九小场所",
    "residential": "住宅",
    "living_workshop": "三合一场所",
    "school": "学校",
    "hospital": "医院",
    "elderly_care": "养老机构",
    "child_venue": "儿童活动场所",
    "labour_intensive": "劳动密集型企业",
    "other": "其他",
}
TIER_ZH = {"brigade": "消防救援机构监管", "police_station": "派出所监管", "township": "乡镇监管"}
CREDIT_ZH = {"blacklist": "黑名单", "watch": "重点关注", "red_list": "红名单", "normal": "正常"}


def premises_contributions(row: PremisesRow, rules: RuleSet) -> list[Contribution]:
    out = []
    kind = TYPE_ZH.get(row.premises_type, row.premises_type)
    points = rules.type_points.get(row.premises_type, min(rules.type_points.values()))
    out.append(
        Contribution(
            "premises_type",
            {"premises_type": row.premises_type},
            points,
            f"场所类型：{kind}，计 {points} 分",
        )
    )
    if row.key_unit and rules.key_unit_points:
        out.append(
            Contribution(
                "key_unit",
                {"key_unit": True},
                rules.key_unit_points,
                f"消防安全重点单位，计 {rules.key_unit_points} 分",
            )
        )
    tier = rules.tier_points.get(row.supervision_tier, 0)
    if tier:
        out.append(
            Contribution(
                "supervision_tier",
                {"supervision_tier": row.supervision_tier},
                tier,
                f"监管等级：{TIER_ZH.get(row.supervision_tier, row.supervision_tier)}，计 {tier} 分",
            )
        )
    credit = rules.credit_points.get(row.credit_status, 0)
    if credit:
        out.append(
            Contribution(
                "credit",
                {"credit_status": row.credit_status},
                credit,
                f"信用状况：{CREDIT_ZH.get(row.credit_status, row.credit_status)}，"
                f"{'计' if credit > 0 else '减'} {abs(credit)} 分",
            )
        )
    return out


def count_contribution(name: str, facts: dict[str, Any], rules: RuleSet) -> Contribution | None:
    rule = rules.counts.get(name)
    if rule is None or not facts:
        return None
    points, capped = rule.points(facts)
    if not points:
        return None
    parts = "、".join(
        f"{rule.per[k][1]} {n} {rule.unit}" for k, n in sorted(facts.items()) if k in rule.per
    )
    return Contribution(
        name,
        dict(sorted(facts.items())),
        points,
        f"{rule.label}：{parts}，计 {points} 分" + (f"（封顶 {rule.cap} 分）" if capped else ""),
    )


def season_contribution(subtotal: int, as_of: datetime, rules: RuleSet) -> Contribution | None:
    month = as_of.astimezone(LOCAL_TIME).month
    season = rules.season_of(month)
    if season is None or subtotal <= 0:
        return None
    points = (subtotal * season.percent + 50) // 100  # half up, integers only
    if not points:
        return None
    return Contribution(
        "season",
        {"month": month, "percent": season.percent},
        points,
        f"季节因素：{season.label}，其他因素 {subtotal} 分的 {season.percent}%，计 {points} 分",
    )


def score(
    row: PremisesRow,
    facts: dict[str, dict[str, Any]],  # by source name: this premises' facts
    rules: RuleSet,
    as_of: datetime,
) -> tuple[int, str, list[Contribution]]:
    """(score, level, contributions): the score is exactly the sum of the points."""
    contributions = premises_contributions(row, rules)
    for name, found in facts.items():
        made = count_contribution(name, found, rules)
        if made is not None:
            contributions.append(made)
    subtotal = sum(c.points for c in contributions)
    season = season_contribution(subtotal, as_of, rules)
    if season is not None:
        contributions.append(season)
    total = sum(c.points for c in contributions)
    return total, rules.level_for(total).value, contributions


def level_zh(level: str) -> str:
    from grids.premises.enums import RiskLevel

    return LEVEL_ZH[RiskLevel(level)]


class Scorer:
    """`score` for many premises at once: premises share their type, tier, credit and counts of
    hazards and complaints, so each distinct combination is scored (and its contributions
    encoded as JSON) once per run, by `score` itself, and the answer shared."""

    def __init__(self, rules: RuleSet, as_of: datetime) -> None:
        self.rules, self.as_of = rules, as_of
        self._memo: dict[tuple, tuple[int, str, list[dict[str, Any]], bytes]] = {}

    def score(
        self, row: PremisesRow, facts: list[tuple[str, dict[str, Any]]]
    ) -> tuple[int, str, list[dict[str, Any]], bytes]:
        """(score, level, contributions as JSON dicts, the same encoded as JSON) of a premises
        with its sources' facts, (source name, facts) in the sources' order. The answer is
        shared with every premises alike: do not alter it."""
        key = (
            row.premises_type,
            row.key_unit,
            row.supervision_tier,
            row.credit_status,
            *[(name, *sorted(found.items())) for name, found in facts],
        )
        answer = self._memo.get(key)
        if answer is None:
            total, level, contributions = score(row, dict(facts), self.rules, self.as_of)
            parts = [c.as_json() for c in contributions]
            answer = self._memo[key] = (total, level, parts, orjson.dumps(parts))
        return answer

"""The credit rules are data: a deployment replaces them with its own file, and the status
follows blacklist over watch over red list."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from hazards.credit.enums import CreditRecordKind as K
from hazards.credit.rules import DEFAULT_RULES, RecordFacts, assess, rules_from
from hazards.enums import Severity

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def days_ago(days, kind, severity=None):
    return RecordFacts(kind, severity, NOW - timedelta(days=days))


def test_blacklist_wins_over_watch_and_red_list():
    records = [
        days_ago(10, K.COMMENDATION),
        days_ago(5, K.HAZARD_CONFIRMED),
        days_ago(1, K.ORDER_REFUSED),
    ]
    assert assess(DEFAULT_RULES, records, NOW).status == "blacklist"
    assert assess(DEFAULT_RULES, records[:2], NOW).status == "normal"  # not clean: no red list
    assert assess(DEFAULT_RULES, records[:1], NOW).status == "red_list"


def test_the_review_time_is_when_the_first_counted_record_leaves_its_window():
    records = [days_ago(300, K.RECTIFICATION_OVERDUE), days_ago(100, K.RECTIFICATION_OVERDUE)]
    result = assess(DEFAULT_RULES, records, NOW)
    assert result.status == "watch"
    assert result.review_at == NOW + timedelta(days=65)


def test_a_deployment_file_replaces_the_rules(tmp_path):
    strict = tmp_path / "credit-rules.json"
    strict.write_text(
        json.dumps(
            {
                "version": "liuzhou-2027",
                "blacklist": [
                    {
                        "kind": "hazard_confirmed",
                        "min_count": 2,
                        "within_days": 90,
                        "severity": "ordinary",
                        "reason": "two hazards in a quarter",
                    }
                ],
                "watch": [],
                "repair": {"min_days": 180, "min_days_by_kind": {"business_stopped": 720}},
            }
        )
    )
    rules = rules_from(str(strict))
    two = [days_ago(10, K.HAZARD_CONFIRMED, Severity.ORDINARY)] * 2
    assert (rules.version, assess(rules, two, NOW).status) == ("liuzhou-2027", "blacklist")
    assert assess(rules, [days_ago(10, K.COMMENDATION)], NOW).status == "normal"  # no red list
    assert rules.repair.wait_for(K.ORDER_REFUSED) == timedelta(days=180)
    assert rules.repair.wait_for(K.BUSINESS_STOPPED) == timedelta(days=720)


def test_a_mistyped_rule_file_is_refused_with_where(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"version": "x", "blacklist": [{"kind": "arson"}], "watch": []}))
    with pytest.raises(ValidationError, match="blacklist.0.kind"):
        rules_from(str(broken))

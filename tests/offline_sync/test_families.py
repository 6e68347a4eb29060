"""Every device table is applied by exactly one family's adapter, in an order where a record
finds what it refers to in the same push: reports before the actions and answers that follow
them, visits before their answers, photos last."""

import pytest

from offline_sync.families import REGISTRY
from offline_sync.protocol import DEVICE_TABLES, Registry, TableAdapter


def test_each_device_table_has_one_adapter_and_the_push_order_holds():
    order = [adapter.table for adapter in REGISTRY.in_order()]
    assert sorted(order) == sorted(DEVICE_TABLES)
    assert order == [
        "hazard_reports",
        "visits",
        "visit_answers",
        "track_points",
        "actions",
        "complaint_actions",
        "notification_reads",
        "notice_signatures",
        "photos",
    ]


def test_a_device_table_without_an_adapter_or_with_two_is_refused():
    adapters = list(REGISTRY.in_order())
    with pytest.raises(ValueError, match="without an adapter"):
        Registry(*adapters[1:])
    with pytest.raises(ValueError, match="two adapters"):
        Registry(*adapters, adapters[0])
    with pytest.raises(ValueError, match="for no device table"):
        Registry(*adapters, TableAdapter("hazards", 5, adapters[0].apply))

"""What a patrol checks and how often: the default checklists (巡查内容) and the frequency rules.

The checklist items and the frequencies are our defaults: the policy documents (shared/seeds)
ask each place to set its grid workers' 巡查内容 and name no items and no frequency. The items
are anchored on national rules (MPS Order No. 61 art. 25 on 防火巡查, 《消防法》 arts. 19 and 28,
MEM Order No. 5 on e-bikes; docs/patrols.md says which item comes from where). Each item names
the hazard category a failure reports; a county publishes its own list as a new version.

Frequencies are configurable (`FIREGRID_PATROL_FREQUENCIES`, a JSON list of rules, first match
wins); the defaults patrol key units and small venues monthly, everything else quarterly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend.core.errors import InvalidInput
from grids.premises.enums import PremisesType, RiskLevel
from hazards.enums import HazardCategory


@dataclass(frozen=True)
class ItemDraft:
    key: str
    text: str
    hazard_category: HazardCategory


COMMON_ITEMS = (
    ItemDraft("exits_clear", "疏散通道、安全出口畅通，未锁闭", HazardCategory.EXIT_BLOCKED),
    ItemDraft("signs_lighting", "疏散指示标志、应急照明完好", HazardCategory.FACILITY_FAULTY),
    ItemDraft("fire_lane_clear", "消防车通道畅通", HazardCategory.FIRE_LANE_BLOCKED),
    ItemDraft(
        "extinguishers_hydrants",
        "灭火器、消火栓配置齐全且在有效期内",
        HazardCategory.HYDRANT_EXTINGUISHER,
    ),
    ItemDraft("wiring_flame", "电气线路规范，无违规用火用电", HazardCategory.ELECTRICAL),
    ItemDraft("flammables", "无违规存放易燃易爆物品", HazardCategory.FLAMMABLES),
    ItemDraft("ebikes", "电动自行车未在室内停放、充电，无飞线充电", HazardCategory.EBIKE_INDOOR),
    ItemDraft(
        "no_living_in_workplace",
        "经营、生产、储存场所内无人员住宿（三合一）",
        HazardCategory.LIVING_IN_WORKPLACE,
    ),
    ItemDraft("earlier_hazards", "此前发现的隐患已整改", HazardCategory.OTHER),
)

# A premises type's own checklist leaves out what cannot apply to it.
TYPE_OMITS = {
    PremisesType.RESIDENTIAL: {"no_living_in_workplace"},
}


def default_items(premises_type: str | None) -> list[ItemDraft]:
    omitted = TYPE_OMITS.get(premises_type, set()) if premises_type else set()
    return [item for item in COMMON_ITEMS if item.key not in omitted]


class FrequencyRule(BaseModel):
    """Premises matching every given field are patrolled every `months` months."""

    model_config = ConfigDict(extra="forbid")
    key_unit: bool | None = None
    premises_type: PremisesType | None = None
    risk_level: RiskLevel | None = None
    months: int = Field(ge=1, le=12)

    def matches(self, premises_type: str, risk_level: str, key_unit: bool) -> bool:
        return (
            (self.key_unit is None or self.key_unit == key_unit)
            and (self.premises_type is None or self.premises_type.value == premises_type)
            and (self.risk_level is None or self.risk_level.value == risk_level)
        )


DEFAULT_FREQUENCIES = [
    FrequencyRule(key_unit=True, months=1),  # 重点单位: monthly
    FrequencyRule(risk_level=RiskLevel.VERY_HIGH, months=1),
    FrequencyRule(risk_level=RiskLevel.HIGH, months=1),
    FrequencyRule(premises_type=PremisesType.SMALL_VENUE, months=1),  # 九小场所: monthly
    FrequencyRule(premises_type=PremisesType.LIVING_WORKSHOP, months=1),
    FrequencyRule(premises_type=PremisesType.FARM_STAY, months=1),
    FrequencyRule(premises_type=PremisesType.RESIDENTIAL, risk_level=RiskLevel.LOW, months=3),
    FrequencyRule(months=3),  # everything else: quarterly
]


def load_frequencies(path: Path | None) -> list[FrequencyRule]:
    if path is None:
        return DEFAULT_FREQUENCIES
    try:
        rules = [FrequencyRule.model_validate(r) for r in json.loads(path.read_text("utf-8"))]
    except (OSError, ValueError, TypeError, ValidationError) as exc:
        raise InvalidInput(
            f"FIREGRID_PATROL_FREQUENCIES ({path}) is not a rule list: {exc}"
        ) from exc
    last = rules[-1] if rules else None
    if last is None or last.key_unit is not None or last.premises_type or last.risk_level:
        raise InvalidInput("FIREGRID_PATROL_FREQUENCIES must end with a catch-all rule")
    return rules


def months_between_patrols(
    rules: list[FrequencyRule], premises_type: str, risk_level: str, key_unit: bool
) -> int:
    return next(r.months for r in rules if r.matches(premises_type, risk_level, key_unit))

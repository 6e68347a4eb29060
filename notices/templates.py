"""What each kind of notice says: its title, the word of its number (限字, 复字, 检字), its
paragraphs with places for the facts ({unit}, {address}, ...), and the legal basis it cites.

A deployment changes them in settings (docs/notices.md): FIREGRID_NOTICE_LEGAL_BASIS (a JSON
object, kind -> text) for the legal basis, FIREGRID_NOTICE_TEMPLATES (a JSON file, kind ->
{"title", "word", "paragraphs"}) for the rest; a field left out keeps the default below. A place
a template names that the facts do not fill is printed as it is, never refused."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from backend.core.settings import ConfigurationError, Settings
from notices.enums import NoticeKind

APPEAL = (
    "如不服本决定，可以在收到本文书之日起六十日内依法申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class Template:
    title: str
    word: str  # of the number: 穗消 + 限字 + 〔2026〕第0007号
    paragraphs: tuple[str, ...]
    legal_basis: str


DEFAULTS: dict[NoticeKind, Template] = {
    NoticeKind.RECTIFICATION_ORDER: Template(
        title="责令限期改正通知书",
        word="限字",
        paragraphs=(
            "{unit}：",
            "经检查，你单位（场所）（地址：{address}）存在下列消防安全违法行为（火灾隐患）：",
            "{category}：{description}",
            "{legal_basis}，责令你单位（场所）对上述违法行为（火灾隐患）{period}。"
            "改正期间，应当采取措施，确保消防安全。",
            APPEAL,
        ),
        legal_basis="根据《中华人民共和国消防法》第六十条和《消防监督检查规定》的有关规定",
    ),
    NoticeKind.RECHECK_RESULT: Template(
        title="复查意见书",
        word="复字",
        paragraphs=(
            "{unit}：",
            "根据{order_number}《责令限期改正通知书》，于{date}对你单位（场所）"
            "（地址：{address}）的下列消防安全违法行为（火灾隐患）改正情况进行了复查：",
            "{category}：{description}",
            "复查意见：{outcome}",
        ),
        legal_basis="根据《中华人民共和国消防法》第六十条和《消防监督检查规定》的有关规定",
    ),
    NoticeKind.INSPECTION_RESULT: Template(
        title="检查结果告知书",
        word="检字",
        paragraphs=(
            "{unit}：",
            "{issuer}于{date}依法对你单位（场所）（地址：{address}）进行了消防监督抽查"
            "（“双随机、一公开”），检查结果如下：",
            "{outcome}",
            "{legal_basis}，现将检查结果告知你单位（场所）。",
        ),
        legal_basis="根据《中华人民共和国消防法》和《消防监督检查规定》的有关规定",
    ),
}
FIELDS = ("title", "word", "paragraphs")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, facts: dict[str, str]) -> str:
    return text.format_map(_Blank(facts))


def template_for(kind: NoticeKind, settings: Settings) -> Template:
    template = _overrides(settings.notice_templates).get(kind.value, DEFAULTS[kind])
    basis = settings.notice_legal_basis.get(kind.value)
    return replace(template, legal_basis=basis) if basis else template


@lru_cache(maxsize=4)
def _overrides(path: Path | None) -> dict[str, Template]:
    """The deployment's template file, read once: kind -> the template with its fields."""
    if path is None:
        return {}
    try:
        given = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"FIREGRID_NOTICE_TEMPLATES={path}: {exc}") from None
    if not isinstance(given, dict) or not set(given) <= {k.value for k in NoticeKind}:
        raise ConfigurationError(
            f"FIREGRID_NOTICE_TEMPLATES={path}: an object of kinds "
            f"({', '.join(k.value for k in NoticeKind)})"
        )
    out: dict[str, Template] = {}
    for kind, fields in given.items():
        base = DEFAULTS[NoticeKind(kind)]
        if not isinstance(fields, dict) or not set(fields) <= {*FIELDS, "legal_basis"}:
            raise ConfigurationError(
                f"FIREGRID_NOTICE_TEMPLATES={path}: {kind} takes title, word, paragraphs, "
                "legal_basis"
            )
        paragraphs = fields.get("paragraphs", base.paragraphs)
        if not isinstance(paragraphs, list | tuple) or not all(
            isinstance(p, str) for p in paragraphs
        ):
            raise ConfigurationError(f"FIREGRID_NOTICE_TEMPLATES={path}: {kind}.paragraphs")
        out[kind] = Template(
            title=str(fields.get("title", base.title)),
            word=str(fields.get("word", base.word)),
            paragraphs=tuple(paragraphs),
            legal_basis=str(fields.get("legal_basis", base.legal_basis)),
        )
    return out


# Hazard categories as a notice names them (hazards.enums.HazardCategory).
CATEGORIES = {
    "exit_blocked": "疏散通道、安全出口堵塞或锁闭",
    "facility_faulty": "消防设施、器材缺失、损坏或停用",
    "electrical": "电气线路敷设不规范、违规用电",
    "ebike_indoor": "电动自行车违规室内停放、充电",
    "open_flame": "违规使用明火",
    "flammables": "违规存放易燃易爆危险品",
    "living_in_workplace": "生产、经营、储存场所与居住场所设置在同一建筑物内（“三合一”）",
    "fire_lane_blocked": "占用、堵塞消防车通道",
    "hydrant_extinguisher": "消火栓、灭火器缺失或过期",
    "other": "其他消防安全违法行为（火灾隐患）",
}

from enum import StrEnum


class PremisesType(StrEnum):
    """Kinds of premises, as the patrol content and the campaigns name them."""

    PUBLIC_GATHERING = "public_gathering"  # 公众聚集场所
    HIGH_RISE = "high_rise"  # 高层建筑
    UNDERGROUND = "underground"  # 地下建筑
    LARGE_COMPLEX = "large_complex"  # 大型综合体
    FLAMMABLE_EXPLOSIVE = "flammable_explosive"  # 易燃易爆场所
    FARM_STAY = "farm_stay"  # 农家乐/民宿
    SMALL_VENUE = "small_venue"  # 九小场所
    RESIDENTIAL = "residential"  # 住宅
    LIVING_WORKSHOP = "living_workshop"  # 三合一: shop or workshop with living quarters
    SCHOOL = "school"
    HOSPITAL = "hospital"
    ELDERLY_CARE = "elderly_care"  # 养老机构
    CHILD_VENUE = "child_venue"  # 儿童活动场所
    LABOUR_INTENSIVE = "labour_intensive"  # 劳动密集型企业
    OTHER = "other"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class SupervisionTier(StrEnum):
    """Who supervises it (分级监管): fire brigades and police stations the key and listed
    units, townships all others."""

    BRIGADE = "brigade"
    POLICE_STATION = "police_station"
    TOWNSHIP = "township"


class CreditStatus(StrEnum):
    """Set by the hazards domain (credit and blacklist); the registry only shows it."""

    NORMAL = "normal"
    RED_LIST = "red_list"  # 红名单: trusted, inspected less
    WATCH = "watch"  # 重点关注
    BLACKLIST = "blacklist"  # 黑名单

    @property
    def colour(self) -> str:
        """How maps and lists show it (docs/credit.md): 黑名单 black, 重点关注 orange,
        红名单 red (the honour list, as the name says), normal green."""
        return CREDIT_COLOURS[self]


CREDIT_COLOURS = {
    CreditStatus.NORMAL: "#52c41a",
    CreditStatus.RED_LIST: "#f5222d",
    CreditStatus.WATCH: "#fa8c16",
    CreditStatus.BLACKLIST: "#000000",
}

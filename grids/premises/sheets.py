"""The premises registry's sheet: its columns, in English or Chinese, the values people write in
them (九小场所 for `small_venue`, 是 for true) and the template an office fills in. Reading the
file itself (CSV in UTF-8 or GB18030, or xlsx) is `backend.core.sheets`, shared by every import;
whether a value is valid is the importer's question (grids.premises.importing).
"""

from __future__ import annotations

from backend.core.sheets import Columns
from backend.core.sheets import template_xlsx as _template_xlsx
from grids.enums import Crs
from grids.premises.enums import PremisesType, RiskLevel, SupervisionTier

# The Chinese a form prints over each column; the fields' own names are accepted too.
CHINESE_HEADERS: dict[str, str] = {
    "name": "场所名称",
    "uscc": "统一社会信用代码",
    "individual_business": "个体工商户",
    "premises_type": "场所类型",
    "risk_level": "风险等级",
    "supervision_tier": "监管层级",
    "key_unit": "重点单位",
    "address": "地址",
    "lng": "经度",
    "lat": "纬度",
    "crs": "坐标系",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "external_ref": "外部编号",
}

# Enumerated values as people write them in a sheet, besides the codes themselves.
CHINESE_VALUES: dict[str, dict[str, str]] = {
    "premises_type": {
        "公众聚集场所": PremisesType.PUBLIC_GATHERING,
        "高层建筑": PremisesType.HIGH_RISE,
        "地下建筑": PremisesType.UNDERGROUND,
        "大型综合体": PremisesType.LARGE_COMPLEX,
        "易燃易爆场所": PremisesType.FLAMMABLE_EXPLOSIVE,
        "农家乐/民宿": PremisesType.FARM_STAY,
        "农家乐": PremisesType.FARM_STAY,
        "民宿": PremisesType.FARM_STAY,
        "九小场所": PremisesType.SMALL_VENUE,
        "住宅": PremisesType.RESIDENTIAL,
        "三合一场所": PremisesType.LIVING_WORKSHOP,
        "“三合一”场所": PremisesType.LIVING_WORKSHOP,
        "学校": PremisesType.SCHOOL,
        "医院": PremisesType.HOSPITAL,
        "养老机构": PremisesType.ELDERLY_CARE,
        "儿童活动场所": PremisesType.CHILD_VENUE,
        "劳动密集型企业": PremisesType.LABOUR_INTENSIVE,
        "其他": PremisesType.OTHER,
    },
    "risk_level": {
        "低": RiskLevel.LOW,
        "中": RiskLevel.MEDIUM,
        "高": RiskLevel.HIGH,
        "很高": RiskLevel.VERY_HIGH,
        "低风险": RiskLevel.LOW,
        "中风险": RiskLevel.MEDIUM,
        "高风险": RiskLevel.HIGH,
        "极高风险": RiskLevel.VERY_HIGH,
    },
    "supervision_tier": {
        "消防救援大队": SupervisionTier.BRIGADE,
        "大队": SupervisionTier.BRIGADE,
        "派出所": SupervisionTier.POLICE_STATION,
        "乡镇": SupervisionTier.TOWNSHIP,
        "乡镇/街道": SupervisionTier.TOWNSHIP,
    },
    "crs": {"WGS84": Crs.WGS84, "GCJ02": Crs.GCJ02, "BD09": Crs.BD09},
    "individual_business": {"是": "true", "否": "false"},
    "key_unit": {"是": "true", "否": "false"},
}

REQUIRED_COLUMNS = ("name", "premises_type", "address", "lng", "lat")
COLUMNS = Columns(CHINESE_HEADERS, REQUIRED_COLUMNS, CHINESE_VALUES)


def field_of(column: str) -> str | None:
    """The field a column names, in English or Chinese; None if it names none."""
    return COLUMNS.field_of(column)


def value_of(field: str, text: str) -> str:
    """A cell's value as the field's code when the cell says it in Chinese; else as written."""
    return COLUMNS.value_of(field, text)


# --- The template an office fills in ------------------------------------------------------------

TEMPLATE_COLUMNS = (
    "external_ref",
    "name",
    "uscc",
    "individual_business",
    "premises_type",
    "risk_level",
    "key_unit",
    "supervision_tier",
    "address",
    "lng",
    "lat",
    "crs",
    "contact_name",
    "contact_phone",
)
TEMPLATE_EXAMPLE = {
    "external_ref": "LZ-0001",
    "name": "阳光宾馆",
    "uscc": "914403001922038216",
    "individual_business": "否",
    "premises_type": "公众聚集场所",
    "risk_level": "中",
    "key_unit": "否",
    "supervision_tier": "",
    "address": "示例路2号",
    "lng": 109.41,
    "lat": 24.35,
    "crs": "wgs84",
    "contact_name": "张三",
    "contact_phone": "0772-1234567",
}
TEMPLATE_NOTES = (
    ("外部编号", "本单位自己的编号，可空；再次导入时据此（或统一社会信用代码）更新已有场所"),
    ("场所名称", "必填"),
    ("统一社会信用代码", "18 位，个体工商户可空；请以文本格式填写，勿让 Excel 转成数字"),
    ("个体工商户", "是 / 否"),
    ("场所类型", "必填：" + "、".join(k for k in CHINESE_VALUES["premises_type"] if "/" not in k)),
    ("风险等级", "低 / 中 / 高 / 很高，默认低"),
    ("重点单位", "是 / 否"),
    ("监管层级", "消防救援大队 / 派出所 / 乡镇，可空：重点单位默认大队，其余默认乡镇"),
    ("地址", "必填"),
    ("经度、纬度", "必填，十进制度"),
    ("坐标系", "wgs84（GPS）/ gcj02（高德、腾讯）/ bd09（百度），可空：默认按导入时所选"),
    ("联系人、联系电话", "可空"),
    ("", "同一文件可重复导入：未改变的行不会重复创建。导入前可先预览。"),
)


def template_xlsx() -> bytes:
    """A workbook with the Chinese headers, one example line and a sheet of notes. The code
    and reference columns are formatted as text so that Excel keeps an all-digit code whole
    (as a number it would keep 15 digits of 18)."""
    return _template_xlsx(
        "场所",
        COLUMNS,
        TEMPLATE_COLUMNS,
        TEMPLATE_EXAMPLE,
        TEMPLATE_NOTES,
        as_text=("uscc", "external_ref", "contact_phone"),
        wide=("name", "address", "uscc"),
    )

"""Reading a sheet of premises: CSV (UTF-8 or GB18030) or xlsx, English or Chinese headers.

Offices keep their lists in Excel. Chinese Windows Excel saves "CSV" in GB18030 (GBK, really,
which GB18030 contains), "CSV UTF-8" with a BOM, and workbooks as xlsx; all three arrive here.
The header may name a column by its field (`name`) or by the Chinese a form prints (场所名称),
and a cell may say an enumerated value the same two ways (`small_venue` or 九小场所, `true` or
是). What comes out is the same for every format: each line's non-empty cells by field, as
text, with the line number a spreadsheet shows. Whether a value is valid is the importer's
question (grids.premises.importing), not this module's.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from backend.core.errors import InvalidInput, Problem
from grids.enums import Crs
from grids.premises.enums import PremisesType, RiskLevel, SupervisionTier

MAX_ROWS = 20_000
MAX_LINES = 2 * MAX_ROWS  # blank lines included: formatted but empty rows cost time too
MAX_COLUMNS = 64
# An xlsx is a zip: a small upload can unpack to gigabytes (a zip bomb). A real sheet of
# MAX_ROWS premises unpacks to a few dozen MB.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .et) format
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Encoding(StrEnum):
    UTF8 = "utf-8"
    GB18030 = "gb18030"  # also GBK and GB2312 files: GB18030 contains both


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


class UnreadableText(Problem):
    status, slug, title = 415, "unreadable-text", "The file is not text we can read"


class UnreadableWorkbook(InvalidInput):
    slug, title = "unreadable-workbook", "The workbook cannot be read"


class WorkbookTooLarge(Problem):
    status, slug, title = 413, "workbook-too-large", "The workbook is too large"


class TooManyRows(InvalidInput):
    slug, title = "too-many-rows", "The sheet has too many rows"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            detail or f"the sheet has more than {MAX_ROWS} rows; split it into several files"
        )


@dataclass(frozen=True)
class Sheet:
    """The header as written and each line's non-empty cells, keyed by the header as written."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number: the header is line 1, cells)


def read_sheet(
    body: bytes, *, content_type: str = "", filename: str = "", encoding: Encoding | None = None
) -> Sheet:
    """The sheet in `body`: an xlsx by its content (a zip), else CSV text. A client that says
    xlsx but sends something else hears that the workbook cannot be read."""
    if body.startswith(_OLE_MAGIC):
        raise UnreadableText(
            "this is an old .xls workbook; save it as .xlsx or as CSV and send it again"
        )
    media_type, _, params = content_type.partition(";")
    says_xlsx = media_type.strip().lower() == XLSX_TYPE or filename.endswith(".xlsx")
    if body.startswith(_ZIP_MAGIC) or says_xlsx:
        return _xlsx_sheet(body)
    return _csv_sheet(decode_text(body, encoding or _charset(params)))


def _charset(params: str) -> Encoding | None:
    """The encoding a `charset=` parameter names, when it is one of ours (GBK and GB2312 are
    read as GB18030, which contains both)."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return _CHARSETS.get(value.strip().strip('"').lower())
    return None


_CHARSETS = {
    "utf-8": Encoding.UTF8,
    "utf8": Encoding.UTF8,
    "gb18030": Encoding.GB18030,
    "gbk": Encoding.GB18030,
    "gb2312": Encoding.GB18030,
}


def decode_text(body: bytes, encoding: Encoding | None = None) -> str:
    """CSV bytes as text. A UTF-8 BOM decides; so does the caller's `encoding`; otherwise
    strict UTF-8 and, failing that, GB18030. Text that happens to be valid UTF-8 and GB18030
    both is near impossible for Chinese (GBK's byte pairs rarely form UTF-8 sequences), and
    plain ASCII reads the same either way."""
    if body.startswith(_UTF16_BOMS):
        raise UnreadableText(
            "this file is UTF-16 text; save it as CSV UTF-8 (or as .xlsx) and send it again"
        )
    if body.startswith(codecs.BOM_UTF8):
        encoding, body = Encoding.UTF8, body[len(codecs.BOM_UTF8) :]
    tries = [encoding] if encoding else [Encoding.UTF8, Encoding.GB18030]
    for candidate in tries:
        try:
            return body.decode(candidate.value)
        except UnicodeDecodeError:
            continue
    raise UnreadableText(
        f"the file is not {encoding.value} text"
        if encoding
        else "the file is neither UTF-8 nor GB18030 (GBK) text; save it as CSV UTF-8 or .xlsx"
    )


def _csv_sheet(text: str) -> Sheet:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return Sheet([], [])
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1  # where the next record starts; a quoted cell may span lines
    for record in reader:
        cells = _cells(header, record)
        if cells:
            if len(rows) == MAX_ROWS:
                raise TooManyRows()
            rows.append((line, cells))
        line = reader.line_num + 1
    return Sheet(_header(header), rows)


def _xlsx_sheet(body: bytes) -> Sheet:
    """The first worksheet. openpyxl in read-only mode streams the rows instead of building
    the whole workbook in memory; the zip's declared sizes are checked before it unpacks
    anything."""
    import openpyxl  # only an xlsx import pays for loading it

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableWorkbook(
            "the file is not an xlsx workbook (not a zip archive)", field="file"
        ) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookTooLarge(f"the workbook unpacks to more than {MAX_UNPACKED_BYTES} bytes")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
        try:
            return _worksheet_sheet(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    except (TooManyRows, UnreadableWorkbook):
        raise
    # A damaged workbook fails inside openpyxl, zipfile or the XML parser with whatever
    # each raises (KeyError for a missing part, ParseError, ValueError, IndexError for no
    # sheet, ...): every one of them means the same to the office, which sends a new file.
    except Exception as exc:
        raise UnreadableWorkbook(
            "the xlsx workbook is damaged or not a workbook; save it again from Excel or WPS",
            field="file",
        ) from exc


def _worksheet_sheet(records: Iterator[tuple[Any, ...]]) -> Sheet:
    header_record = next(records, None)
    if header_record is None:
        return Sheet([], [])
    header = [_text(value) for value in header_record[:MAX_COLUMNS]]
    while header and not header[-1]:
        header.pop()
    rows: list[tuple[int, dict[str, str]]] = []
    for line, record in enumerate(records, start=2):
        if line > MAX_LINES:
            raise TooManyRows(
                f"the sheet runs past line {MAX_LINES}; delete the empty rows at its end"
            )
        cells = _cells(header, [_text(value) for value in record[: len(header)]])
        if cells:
            if len(rows) == MAX_ROWS:
                raise TooManyRows()
            rows.append((line, cells))
    return Sheet(_header(header), rows)


def _header(names: list[str]) -> list[str]:
    return [name.strip() for name in names[:MAX_COLUMNS]]


def _cells(header: list[str], record: Iterable[str]) -> dict[str, str]:
    """The non-empty cells of a line by their column's name; cells past the header and under
    an unnamed column are left out, as a spreadsheet's stray notes are."""
    out = {}
    for name, value in zip(header, record, strict=False):
        name, value = name.strip(), value.strip()
        if name and value:
            out[name] = value
    return out


def _text(value: Any) -> str:
    """A cell as text the way its owner sees it: 24.35 as 24.35, 1 as 1 (not 1.0), TRUE as
    true; a date as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def field_of(column: str) -> str | None:
    """The field a column names, in English or Chinese; None if it names none."""
    if column in CHINESE_HEADERS:
        return column
    return _FIELD_BY_CHINESE.get(column)


_FIELD_BY_CHINESE = {chinese: field for field, chinese in CHINESE_HEADERS.items()}


def value_of(field: str, text: str) -> str:
    """A cell's value as the field's code when the cell says it in Chinese (or in another
    case, as WGS84 for wgs84); otherwise as written."""
    known = CHINESE_VALUES.get(field, {})
    found = known.get(text) or known.get(text.upper())
    return str(found) if found is not None else text


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
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "场所"
    sheet.append([CHINESE_HEADERS[c] for c in TEMPLATE_COLUMNS])
    sheet.append([TEMPLATE_EXAMPLE[c] for c in TEMPLATE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 22 if column in ("name", "address", "uscc") else 12
        if column in ("uscc", "external_ref", "contact_phone"):
            for row in range(2, 1001):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for row in TEMPLATE_NOTES:
        notes.append(list(row))
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

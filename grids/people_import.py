"""Importing a roll of people 网格员名册: a station's sheet of grid workers and grid leaders
becomes their accounts, each with a temporary password handed out once.

Each line is judged by the rules of creating one person (`grids.people.create_person`): the
caller creates only the roles it may (`workforce.creation_refusal`), at an area of its own (an
area outside it is answered as one that does not exist), at the area level the role is placed
at (`workforce.level_problem`), with a valid username, phone and certificate. A line whose
username already belongs to the same person (the same role, placed at the same area) is
"unchanged": nothing is written and no password is made; a username held by anyone else is
refused. Two lines of one sheet with one username: the second is refused.

Every line is judged before anything is written, so a preview and an import give the same
answer; an import writes only when no line is refused (as premises do, decision 0034), and
then creates each person through `create_person` itself, audited as a single creation is.
A preview makes no password: hashing one costs ~50 ms of a core.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pydantic import Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput
from backend.core.sheets import (
    Columns,
    ImportOutcome,
    ImportProblem,
    Sheet,
    header_refusal,
    template_xlsx,
)
from backend.core.texts_zh import ROLES as ROLE_TERMS
from backend.core.types import Text
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal, normalise_mobile, normalise_username
from grids import people
from grids.models import Area, GridAssignment
from grids.schemas import PeopleImportLine, PeopleImportReport, UserCreate
from grids.scope import Scope, scope_of
from grids.workforce import creation_refusal, level_problem

# How the console names each role (console/src/labels.js): what a 名册 says in its 角色 column.
ROLE_NAMES: dict[Role, str] = {
    Role.GRID_WORKER: "网格员",
    Role.GRID_LEADER: "网格长",
    Role.STATION_STAFF: "乡镇消防工作站",
    Role.BRIGADE_STAFF: "县级消防救援大队",
    Role.DISPATCHER: "调度中心",
    Role.ADMIN: "系统管理员",
    Role.INTEGRATION: "对接系统",
    Role.CITIZEN: "群众",
}
_ROLE_VALUES = {
    **{chinese: role.value for role, chinese in ROLE_NAMES.items()},
    **{chinese: code for code, chinese in ROLE_TERMS.items()},  # 乡镇消防工作站工作人员, ...
    "消防救援大队": Role.BRIGADE_STAFF.value,
    "管理员": Role.ADMIN.value,
}

COLUMNS = Columns(
    chinese={
        "username": "用户名",
        "display_name": "姓名",
        "role": "角色",
        "area_code": "区域编码",
        "phone": "手机号",
        "certificate_number": "执法证号",
        "certificate_expires_on": "执法证有效期至",
    },
    required=("username", "display_name", "role", "area_code"),
    values={"role": _ROLE_VALUES},
)
_LOOKUP_CHUNK = 500  # keys per IN (...): well inside every database's parameter limit


class PersonLine(UserCreate):
    """A line of the roll: a person as `POST /areas/{code}/users` takes one, with the area's
    code and (unlike there) a name."""

    display_name: Text = Field(min_length=1, max_length=100)
    area_code: Text = Field(min_length=1, max_length=32)


@dataclass
class _Line:
    """One line on its way through the import."""

    number: int
    username: str | None
    display_name: str | None
    role: str | None
    area_code: str | None
    person: PersonLine | None = None
    area: Area | None = None
    existing: User | None = None  # the same person, already there
    created: User | None = None  # once written
    temporary_password: str | None = None
    problems: list[ImportProblem] = field(default_factory=list)

    def refuse(self, field_name: str, message: str) -> None:
        self.problems.append(ImportProblem(line=self.number, field=field_name, message=message))

    @property
    def outcome(self) -> ImportOutcome:
        if self.problems:
            return ImportOutcome.REFUSED
        return ImportOutcome.UNCHANGED if self.existing is not None else ImportOutcome.CREATED


def import_sheet(
    session: Session, principal: Principal, sheet: Sheet, *, preview: bool
) -> PeopleImportReport:
    """Judge every line of `sheet`; unless this is a preview or a line is refused, create the
    new people. The report says, line by line, what was (or would be) done; a created line
    carries its temporary password."""
    header_problem = COLUMNS.header_problem(sheet.header)
    if header_problem is not None:
        header = _Line(1, None, None, None, None, problems=[header_refusal(header_problem)])
        return _report([header], preview=preview, written=False)
    lines = [_parse(number, cells) for number, cells in sheet.rows]
    _judge(session, principal, [line for line in lines if line.person is not None])
    if preview or any(line.problems for line in lines):
        return _report(lines, preview=preview, written=False)
    _apply(session, principal, lines)
    return _report(lines, preview=preview, written=True)


# --- Reading a line ------------------------------------------------------------------------------


def _parse(number: int, cells: dict[str, str]) -> _Line:
    values = COLUMNS.fields(cells)
    line = _Line(
        number,
        username=values.get("username"),
        display_name=values.get("display_name"),
        role=values.get("role"),
        area_code=values.get("area_code"),
    )
    if "role" in values and values["role"] not in set(Role):
        line.refuse("role", f"unknown role '{values.pop('role')}'")
    certificate = ("certificate_number", "certificate_expires_on")
    given = [name for name in certificate if name in values]
    if len(given) == 1:
        missing = next(name for name in certificate if name not in values)
        line.refuse(missing, "a certificate needs both its number and its expiry date")
        for name in given:
            values.pop(name)
    if "certificate_expires_on" in values:
        values["certificate_expires_on"] = _day(values["certificate_expires_on"])
    if "phone" in values:
        try:
            values["phone"] = normalise_mobile(values["phone"])
        except InvalidInput as exc:
            line.refuse("phone", exc.detail)
            values.pop("phone")
    try:
        person = PersonLine.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            if error["loc"] and error["loc"][0] in {p.field for p in line.problems}:
                continue  # already said, in its own words
            line.refuse(".".join(str(p) for p in error["loc"]) or "row", error["msg"])
        return line
    if not line.problems:
        line.person = person.model_copy(update={"username": normalise_username(person.username)})
        line.username = line.person.username
    return line


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ]00:00(:00)?)?")


def _day(text: str) -> str:
    """A date as offices write it (2027-06-30, 2027/6/30, 2027.6.30, 2027年6月30日, or an Excel
    date cell, read as 2027-06-30T00:00:00) as ISO; anything else as written, for the
    validation to refuse."""
    found = _DAY.fullmatch(text.strip())
    if found is None:
        return text
    try:
        return date(int(found[1]), int(found[2]), int(found[3])).isoformat()
    except ValueError:
        return text


# --- Judging the lines ---------------------------------------------------------------------------


def _judge(session: Session, principal: Principal, lines: list[_Line]) -> None:
    """Each line by the rules of creating one person, without writing anything."""
    scope = scope_of(session, principal)
    areas = _areas_in_scope(
        session, scope, {line.person.area_code for line in lines if line.person}
    )
    existing = {u.username: u for u in _users_named(session, {line.username for line in lines})}
    grids_of = _grids_of(session, [u.id for u in existing.values()])
    first_line: dict[str, int] = {}
    for line in lines:
        person = line.person
        assert person is not None
        if person.username in first_line:
            line.refuse("username", f"line {first_line[person.username]} has this username too")
            continue
        first_line[person.username] = line.number
        refusal = creation_refusal(principal.role, person.role)
        if refusal is not None:
            line.refuse("role", refusal)
        area = areas.get(person.area_code)
        if area is None:
            line.refuse("area_code", f"no area with code {person.area_code!r}")
        elif refusal is None:
            misplaced = level_problem(person.role, area)
            if misplaced is not None:
                line.refuse("area_code", misplaced)
        line.area = area
        holder = existing.get(person.username)
        if holder is None:
            continue
        if _same_person(holder, person.role, area, grids_of):
            if not line.problems:
                line.existing = holder
        else:
            line.refuse(
                "username",
                f"username {person.username!r} is taken by another account (another role or area)",
            )


def _same_person(
    user: User, role: Role, area: Area | None, grids_of: dict[uuid.UUID, set[uuid.UUID]]
) -> bool:
    if area is None or user.role != role.value:
        return False
    if role is Role.GRID_WORKER:
        return area.id in grids_of.get(user.id, set())
    return user.scope_area_id == area.id


def _chunks(keys: Iterable) -> Iterable[list]:
    wanted = sorted(k for k in set(keys) if k is not None)
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        yield wanted[start : start + _LOOKUP_CHUNK]


def _areas_in_scope(session: Session, scope: Scope, codes: set[str]) -> dict[str, Area]:
    """The areas with these codes that the caller may act on; any other is as unknown as a
    code never issued."""
    found: dict[str, Area] = {}
    for chunk in _chunks(codes):
        for area in session.scalars(select(Area).where(Area.code.in_(chunk))):
            if scope.covers(area):
                found[area.code] = area
    return found


def _users_named(session: Session, usernames: set[str | None]) -> list[User]:
    found: list[User] = []
    for chunk in _chunks(usernames):
        found.extend(session.scalars(select(User).where(User.username.in_(chunk))))
    return found


def _grids_of(session: Session, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    grids: dict[uuid.UUID, set[uuid.UUID]] = {}
    for chunk in _chunks(user_ids):
        for user_id, area_id in session.execute(
            select(GridAssignment.user_id, GridAssignment.area_id).where(
                GridAssignment.user_id.in_(chunk)
            )
        ):
            grids.setdefault(user_id, set()).add(area_id)
    return grids


# --- Writing -------------------------------------------------------------------------------------


def _apply(session: Session, principal: Principal, lines: list[_Line]) -> None:
    """Create each new person as `POST /areas/{code}/users` does (its checks, its audit
    events, its temporary password to be changed at the first sign-in)."""
    for line in lines:
        person = line.person
        if person is None or line.outcome is not ImportOutcome.CREATED:
            continue
        fields = person.model_dump(exclude={"area_code"})
        line.created, line.temporary_password = people.create_person(
            session, principal, person.area_code, **fields
        )


# --- The answer ----------------------------------------------------------------------------------


def _report(lines: list[_Line], *, preview: bool, written: bool) -> PeopleImportReport:
    out = []
    for line in lines:
        user = line.created or line.existing
        out.append(
            PeopleImportLine(
                line=line.number,
                outcome=line.outcome,
                user_id=user.id if user is not None else None,
                username=line.username,
                display_name=line.display_name,
                role=line.person.role.value if line.person is not None else line.role,
                area_code=line.area.code if line.area is not None else line.area_code,
                area_name=line.area.name if line.area is not None else None,
                temporary_password=line.temporary_password,
                problems=line.problems,
            )
        )
    counts = {outcome: sum(1 for o in out if o.outcome is outcome) for outcome in ImportOutcome}
    return PeopleImportReport(
        preview=preview,
        imported=counts[ImportOutcome.CREATED] if written else 0,
        created=counts[ImportOutcome.CREATED],
        unchanged=counts[ImportOutcome.UNCHANGED],
        refused=counts[ImportOutcome.REFUSED],
        lines=out,
        problems=sorted(
            (p for line in out for p in line.problems), key=lambda p: (p.line, p.field)
        ),
    )


# --- The accounts' notice and the template --------------------------------------------------------

NOTICE_TITLE = "开户通知单"
NOTICE_HEADERS = ("用户名", "姓名", "角色", "区域", "临时密码")
NOTICE_ADVICE = (
    "临时密码只能用于首次登录：登录后须立即设置自己的密码（至少 10 位）。"
    "本通知单请逐人分发，分发后妥善销毁，勿转发、勿存放在共享位置。"
)


def notice_xlsx(report: PeopleImportReport) -> bytes:
    """The 开户通知单: each created person's username, name, role, area and temporary password
    (the only place the passwords are ever written), then what to do with them."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = NOTICE_TITLE
    sheet.append(list(NOTICE_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in report.lines:
        if line.temporary_password is None:
            continue
        area = f"{line.area_name}（{line.area_code}）" if line.area_name else line.area_code
        role = ROLE_NAMES.get(Role(line.role), line.role) if line.role else ""
        sheet.append([line.username, line.display_name, role, area, line.temporary_password])
        for cell in sheet[sheet.max_row]:
            cell.number_format = "@"
    sheet.append([])
    sheet.append([NOTICE_ADVICE])
    advice = sheet.cell(row=sheet.max_row, column=1)
    advice.font = Font(bold=True, color="C0392B")
    advice.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=5)
    sheet.row_dimensions[sheet.max_row].height = 48
    for letter, width in zip("ABCDE", (18, 12, 16, 36, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TEMPLATE_COLUMNS = tuple(COLUMNS.chinese)
TEMPLATE_EXAMPLE = {
    "username": "wgy.zhangsan",
    "display_name": "张三",
    "role": "网格员",
    "area_code": "450202901001-01",
    "phone": "13800000000",
    "certificate_number": "",
    "certificate_expires_on": "",
}
TEMPLATE_NOTES = (
    ("用户名", "必填：3-64 位字母、数字、点、下划线或减号，登录时使用，不可重复"),
    ("姓名", "必填"),
    ("角色", "必填：网格员 / 网格长（乡镇消防工作站可建）；大队还可建 乡镇消防工作站 / 调度中心"),
    (
        "区域编码",
        "必填：网格员填所在网格的编码，网格长填所在村/社区的编码，工作站填乡镇/街道的编码",
    ),
    ("手机号", "可空：中国大陆手机号（11 位），用于短信提醒；请以文本格式填写"),
    ("执法证号、执法证有效期至", "可空；填写时两项都要填，有效期如 2027-06-30"),
    (
        "",
        "导入成功后下载《开户通知单》，内含每人的临时密码（只出现这一次），本人首次登录时须修改。",
    ),
    (
        "",
        "同一文件可重复导入：已有的人员（用户名、角色、区域相同）不会重复创建，也不会生成新密码。",
    ),
)


def template() -> bytes:
    """A workbook to fill in: the Chinese headers, an example line, notes on each column."""
    return template_xlsx(
        "人员",
        COLUMNS,
        TEMPLATE_COLUMNS,
        TEMPLATE_EXAMPLE,
        TEMPLATE_NOTES,
        as_text=("username", "area_code", "phone", "certificate_number"),
        wide=("username", "area_code"),
    )

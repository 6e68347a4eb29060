"""Every message a client may read in a problem document has its Chinese (issue 18).

The source is walked with `ast`: each construction of a Problem subclass (and each title such a
class declares), each `demand(role, permission, doing)`, each refusal of a sync field, each
Open311 error, each ValueError raised in a pydantic validator, and the helpers that gather
messages (`bad(field, message)`, `unmet.append(...)`, a refused import's `ImportProblem`,
what `uscc_problem` returns, a rejected token's text, the grid splitting's ValueErrors). An f-string becomes a sample with its
placeholders filled; the sample must translate. A new English message without its Chinese
fails here, naming the file and line: add it to backend/core/texts_zh.py.
"""

from __future__ import annotations

import ast
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.core import i18n, texts_zh

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = (
    "backend",
    "grids",
    "hazards",
    "complaints",
    "patrols",
    "offline_sync",
    "notices",
    "measures",
    "referrals",
    "fires",
)
PROBLEM_ROOTS = {"Problem", "HTTPException", "StarletteHTTPException"}
SAMPLE = "x7"  # what a placeholder becomes: a short token with no spaces


@dataclass(frozen=True)
class Message:
    where: str  # file:line
    samples: tuple[str, ...]  # any of them must translate
    slug: str | None = None


def _sources() -> dict[str, ast.Module]:
    files = sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )
    return {str(p.relative_to(ROOT)): ast.parse(p.read_text(), str(p)) for p in files}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _class_attrs(node: ast.ClassDef) -> dict[str, str]:
    """The string class attributes (`slug`, `title`), also from `status, slug, title = ...`."""
    found: dict[str, str] = {}
    for stmt in node.body:
        if not isinstance(stmt, ast.Assign):
            continue
        for target in stmt.targets:
            if isinstance(target, ast.Name) and isinstance(stmt.value, ast.Constant):
                found[target.id] = stmt.value.value
            elif isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple):
                for t, v in zip(target.elts, stmt.value.elts, strict=False):
                    if isinstance(t, ast.Name) and isinstance(v, ast.Constant):
                        found[t.id] = v.value
    return found


def _problem_classes(trees: dict[str, ast.Module]) -> dict[str, tuple[str | None, list[str]]]:
    """Problem subclasses by name: (slug, [titles with their file:line])."""
    classes: dict[str, ast.ClassDef] = {}
    where: dict[str, str] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = node
                where[node.name] = f"{path}:{node.lineno}"
    known: dict[str, tuple[str | None, list[str]]] = {n: (None, []) for n in PROBLEM_ROOTS}
    changed = True
    while changed:
        changed = False
        for name, node in classes.items():
            if name in known:
                continue
            bases = [_name(b) for b in node.bases]
            parent = next((b for b in bases if b in known), None)
            if parent is None:
                continue
            attrs = _class_attrs(node)
            slug = attrs.get("slug") or known[parent][0]
            titles = [f"{where[name]}|{attrs['title']}"] if "title" in attrs else []
            known[name] = (slug, titles)
            changed = True
    return known


def _samples(node: ast.expr, known: dict[str, ast.expr], depth: int = 0) -> list[str]:
    """The texts a message expression may make, its placeholders filled: with their own
    text when they name a string constant or a local f-string (`label`), otherwise with a
    token (an id, a number), a message the catalog knows (the placeholder is itself a message)
    or nothing. Empty when it is not a message we can read (a variable, a call)."""
    if depth > 3:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name | ast.Attribute) and _name(node) in known:
        return _samples(known[_name(node) or ""], known, depth + 1)
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for value in node.values:
            if isinstance(value, ast.Constant):
                choices = [str(value.value)]
            else:
                assert isinstance(value, ast.FormattedValue)
                choices = _samples(value.value, known, depth + 1) or FILLS
                if value.conversion == ord("r"):
                    choices = [repr(c) for c in choices]
            out = [o + c for o in out for c in choices][:500]
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _samples(node.left, known, depth + 1)
        right = _samples(node.right, known, depth + 1) or FILLS
        return [a + b for a in left for b in right][:500]
    return []


# What a placeholder of unknown text becomes: a token, a message of the catalog, nothing, or
# a field's path.
FILLS = [SAMPLE, "the upload is already complete", "", "changes.t.created[0]"]


def _locals(tree: ast.Module) -> dict[int, dict[str, ast.expr]]:
    """For each line inside a function, the f-strings and strings its names were given."""
    by_line: dict[int, dict[str, ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = {
                stmt.targets[0].id: stmt.value
                for stmt in ast.walk(node)
                if isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.JoinedStr | ast.Constant)
            }
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                by_line.setdefault(line, {}).update(names)
    return by_line


def _module_strings(trees: dict[str, ast.Module]) -> dict[str, ast.expr]:
    """Module-level string constants (e.g. partners.UNKNOWN_KEY), by name."""
    found = {}
    for tree in trees.values():
        for stmt in tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
                and stmt.targets[0].id.isupper()
            ):
                found[stmt.targets[0].id] = stmt.value
    return found


def _in_validator(tree: ast.Module) -> set[int]:
    """Line numbers of `raise ValueError(...)` inside pydantic validators."""
    lines = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        decorators = {_name(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
        if decorators & {"field_validator", "model_validator", "validator"}:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Raise) and isinstance(inner.exc, ast.Call):
                    if _name(inner.exc.func) == "ValueError":
                        lines.add(inner.lineno)
    return lines


# Modules whose ValueErrors (outside validators) reach a client as a problem's detail.
SHOWN_VALUE_ERRORS = {"grids/splitting.py"}


def _returned_texts(tree: ast.Module, function: str) -> list[ast.expr]:
    """What a function that says what is wrong (`uscc_problem`) returns."""
    return [
        node.value
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef) and fn.name == function
        for node in ast.walk(fn)
        if isinstance(node, ast.Return) and node.value is not None
    ]


def messages() -> list[Message]:
    trees = _sources()
    classes = _problem_classes(trees)
    strings = _module_strings(trees)
    found: list[Message] = []
    for slug, titles in classes.values():
        for title in titles:
            where, _, text = title.partition("|")
            found.append(Message(where, (text,), slug))
    for returned in _returned_texts(trees["grids/uscc.py"], "uscc_problem"):
        samples = _samples(returned, {"LENGTH": ast.Constant("18")})
        if samples:  # not the `return None` of a valid code
            found.append(Message(f"grids/uscc.py:{returned.lineno}", tuple(samples)))
    for path, tree in trees.items():
        # the settings' validators speak to the operator at start-up, not to a client
        validator_lines = set() if path == "backend/core/settings.py" else _in_validator(tree)
        local_names = _locals(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = _name(node.func)
            args = list(node.args)
            keywords = {k.arg: k.value for k in node.keywords}
            message: ast.expr | None = None
            slug = None
            if callee in classes and callee not in {"HTTPException", "StarletteHTTPException"}:
                message = args[0] if args else keywords.get("detail")
                slug = classes[callee][0]
            elif callee in {"HTTPException", "StarletteHTTPException"}:
                message = args[1] if len(args) > 1 else keywords.get("detail")
            elif callee == "demand" and len(args) > 2:
                message = args[2]
            elif callee == "refusal" and args:
                message = args[0]
            elif callee == "Open311Error" and len(args) > 1:
                message = args[1]
            elif callee == "bad" and len(args) > 1:
                message = args[1]
            elif callee == "problem_response" and len(args) > 1:
                message = args[1]
            elif callee == "error_response" and len(args) > 2:
                message = args[2]
            elif (
                callee == "append"
                and isinstance(node.func, ast.Attribute)
                and _name(node.func.value) == "unmet"
                and args
            ):
                message = args[0]
            elif callee == "ValueError" and node.lineno in validator_lines and args:
                message = args[0]
            elif callee == "ImportProblem" and "message" in keywords:
                message = keywords["message"]
            elif callee == "TokenRejected" and args:  # its text is a 401's detail
                message = args[0]
            elif callee == "ValueError" and path in SHOWN_VALUE_ERRORS and args:
                message = args[0]
            if message is None:
                continue
            samples = _samples(message, {**strings, **local_names.get(node.lineno, {})})
            if not samples:
                continue  # built elsewhere: a variable or a call, covered where it is made
            if callee == "demand":
                samples = [f"a grid_worker may not {sample}" for sample in samples]
            found.append(Message(f"{path}:{node.lineno}", tuple(samples), slug))
    return found


MESSAGES = messages()


def test_the_walk_finds_the_messages() -> None:
    # A guard on the walk itself: if it stopped finding messages, every test below would pass.
    assert len(MESSAGES) > 250
    assert any(m.where.startswith("hazards/lifecycle.py") for m in MESSAGES)
    assert any(m.where.startswith("offline_sync/fields.py") for m in MESSAGES)


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.where)
def test_each_message_has_its_chinese(message: Message) -> None:
    assert any(i18n.has_template(s, message.slug) for s in message.samples), (
        f"{message.where}: no Chinese for {message.samples[0]!r}; add its template to "
        "backend/core/texts_zh.py"
    )


def test_each_domain_term_has_its_chinese() -> None:
    from backend.core.outbox import OutboxStatus
    from backend.identity.enums import Role
    from backend.identity.permissions import Permission
    from backend.notify.enums import PushStatus
    from complaints.enums import ComplaintAction, ComplaintState, ExtensionState, RewardState
    from grids.enums import AreaLevel
    from hazards.credit.enums import AppealState, CreditRecordKind, CreditRecordStanding
    from hazards.enums import HazardAction, HazardState
    from patrols.enums import TaskState, TaskStep

    tables = {
        "role": Role,
        "area_level": AreaLevel,
        "hazard_state": HazardState,
        "hazard_action": HazardAction,
        "complaint_state": ComplaintState,
        "complaint_action": ComplaintAction,
        "extension_state": ExtensionState,
        "reward_state": RewardState,
        "credit_standing": CreditRecordStanding,
        "appeal_state": AppealState,
        "credit_kind": CreditRecordKind,
        "task_state": TaskState,
        "task_step": TaskStep,
        "outbox_status": OutboxStatus,
    }
    missing = [
        f"{kind}: {member.value}"
        for kind, enum in tables.items()
        for member in enum
        if i18n.term(kind, member.value) is None
    ]
    missing += [
        f"outbox_status: {s.value}" for s in PushStatus if not i18n.term("outbox_status", s)
    ]
    missing += [
        f"doing: {p.value}"
        for p in Permission
        if i18n.term("doing", p.value.replace("_", " ")) is None
    ]
    assert not missing


def test_the_needs_of_each_step_have_their_chinese() -> None:
    from complaints.lifecycle import COMPLAINT_LIFECYCLE
    from hazards.lifecycle import HAZARD_LIFECYCLE

    needs = {
        need
        for lifecycle in (HAZARD_LIFECYCLE, COMPLAINT_LIFECYCLE)
        for row in lifecycle
        for need in row.needs
    }
    assert needs and not [n for n in needs if i18n.term("need", n) is None]


def test_the_catalog_fills_ids_and_terms() -> None:
    hazard_id = uuid.uuid4()
    assert i18n.translate(f"no hazard with id {hazard_id}") == f"没有 id 为 {hazard_id} 的隐患"
    assert (
        i18n.translate(
            "cannot order_rectification a hazard that is reported",
            "hazard-transition-not-allowed",
        )
        == "隐患处于“已上报”状态，不能“责令整改”"
    )
    # One English sentence, two domains: the problem's type says which steps it names.
    assert i18n.translate("a grid_worker may not verify", "hazard-role-not-allowed") == (
        "网格员无权“复查合格销号”"
    )
    assert i18n.translate("a grid_worker may not verify", "complaint-role-not-allowed") == (
        "网格员无权“核查”"
    )
    assert i18n.translate("a citizen may not see rewards") == "群众无权查看举报奖励"
    assert i18n.translate("not a sentence anybody wrote") is None
    # a value that is not a term of its kind does not match: the text stays English
    assert i18n.translate("a grid_worker may not fly") is None
    # a detail with the fields it names, as Open311's shape carries it
    assert i18n.translate("the location is outside your area (lng, lat)") == (
        "该位置不在您的辖区内（lng, lat）"
    )


def test_summaries_and_sync_fields_translate_part_by_part() -> None:
    summary = (
        "changes.visits.created[0].lat must be a number from -90 to 90; "
        "changes.photos.created[1].sha256: must be 64 hex digits"
    )
    assert i18n.translate(summary) == (
        "changes.visits.created[0].lat 须为 -90 至 90 之间的数字；"
        "changes.photos.created[1].sha256：须为 64 位十六进制数"
    )
    pushed = (
        "7 field(s) in this push are not valid, nothing was stored: "
        "changes.visits.created[1].id is not a uuid; changes.visits.created[2].id is not a uuid "
        "(and 2 more)"
    )
    assert i18n.translate(pushed) == (
        "本次推送有 7 个字段不符合要求，未保存任何内容：changes.visits.created[1].id 不是有效的 "
        "UUID；changes.visits.created[2].id 不是有效的 UUID（另有 2 个）"
    )
    # pydantic's own message of a sync field, as text
    assert i18n.translate("changes.visits.created[0].task_id: Field required") == (
        "changes.visits.created[0].task_id：必填"
    )


def test_validation_errors_translate_by_type_and_ctx() -> None:
    from pydantic import BaseModel, Field, ValidationError

    from grids.crs import Crs

    class Body(BaseModel):
        name: str = Field(max_length=3)
        count: int = Field(ge=1)
        crs: Crs
        ref: uuid.UUID
        need: str

    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"name": "long", "count": 0, "crs": "utm", "ref": "nope"})
    got = {e["loc"][0]: i18n.validation_message(e) for e in caught.value.errors()}
    assert got == {
        "name": "最多 3 个字符",
        "count": "须大于或等于 1",
        "crs": "须为 'wgs84'、'gcj02'、'bd09' 之一",
        "ref": "须为有效的 UUID",
        "need": "必填",
    }


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("zh", "zh-CN"),
        ("zh-CN", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en,zh;q=0.5", "en"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr, zh;q=0.3", "zh-CN"),  # French is not offered; Chinese is the best we have
        ("zh;q=0, en", "en"),
        ("*, zh;q=0.5", "en"),
        ("en;q=0.5, ZH-cn;q=0.6", "zh-CN"),
        ("en, zh", "en"),  # equal weights: the first listed
        ("zh, en", "zh-CN"),
        ("zh;q=nonsense", "en"),
        ("de", "en"),
    ],
)
def test_accept_language_negotiation(header: str | None, language: str) -> None:
    assert i18n.language_for(header) == language


def test_no_catalog_template_is_malformed() -> None:
    """Each Chinese text uses exactly the placeholders its English key has, each kind known."""
    import re

    placeholder = re.compile(r"\{(\w+)(?::(\w+))?\}")
    kinds = set(texts_zh.TERMS) | {"text", "any", "path", "dotted", "number", None}
    for english, chinese in texts_zh.MESSAGES.items():
        names = {m.group(1) for m in placeholder.finditer(english)}
        assert {m.group(2) for m in placeholder.finditer(english)} <= kinds, english
        if names:
            assert {m.group(1) for m in placeholder.finditer(chinese)} == names, english

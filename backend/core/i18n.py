"""Problem details in the reader's language: English by default, zh-CN for a request whose
`Accept-Language` prefers Chinese (station staff read only Chinese; outside clients and the
tests match the English texts, so English stays the default).

Domain code keeps raising its Problems in English; the error handlers (backend.core.web) turn
the finished problem document into Chinese here, at the edge. The catalog of Chinese texts is
`backend.core.texts_zh`: each English message, exact or as its f-string template, with the
Chinese text and the domain's terms for the states, roles and actions filled in. Pydantic's
validation errors are translated by their error `type` and `ctx`, not by their English text.

A text the catalog does not know stays English: a half-translated sentence helps nobody, and
the coverage test (tests/backend/test_problem_texts_zh.py) fails on every message in the source
that has no Chinese, so such a text is a bug to fix there, not a state to live with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from backend.core import texts_zh

ENGLISH, CHINESE = "en", "zh-CN"
ACCEPT_LANGUAGE = "accept-language"

# The language of the request being answered: RequestContextMiddleware sets it from
# Accept-Language for every request, so an error answered anywhere (a handler, a middleware, the
# last-resort 500) reads it without threading it through.
request_language: ContextVar[str] = ContextVar("request_language", default=ENGLISH)


# --- Negotiation -------------------------------------------------------------------------------


def _ranges(header: str) -> Iterable[tuple[str, float, int]]:
    """(language range, weight, position) of each entry of an Accept-Language header
    (RFC 9110 §12.5.4); an entry with a malformed weight is left out."""
    for position, entry in enumerate(header.split(",")):
        tag, _, params = entry.strip().partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = -1.0
        if 0.0 <= weight <= 1.0:
            yield tag, weight, position


def language_for(header: str | None) -> str:
    """zh-CN when the header ranks a Chinese range (`zh`, `zh-CN`, `zh-Hans`, ...) above every
    English one and `*`; English otherwise (also when both rank equal and English comes first:
    among equals the first listed wins)."""
    if not header:
        return ENGLISH
    best: dict[str, tuple[float, int]] = {}
    for tag, weight, position in _ranges(header):
        primary = tag.split("-", 1)[0]
        language = CHINESE if primary == "zh" else ENGLISH if primary in {"en", "*"} else None
        if language is None or weight == 0.0:
            continue
        held = best.get(language)
        if held is None or weight > held[0]:
            best[language] = (weight, position)
    chinese, english = best.get(CHINESE), best.get(ENGLISH)
    if chinese is None:
        return ENGLISH
    if english is None or chinese[0] > english[0]:
        return CHINESE
    return CHINESE if chinese[0] == english[0] and chinese[1] < english[1] else ENGLISH


def language_of(scope_headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The answer's language from an ASGI scope's headers (all Accept-Language lines)."""
    values = [v.decode("latin-1") for k, v in scope_headers if k.lower() == b"accept-language"]
    return language_for(", ".join(values))


def in_chinese() -> bool:
    return request_language.get() == CHINESE


def language_headers(headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """`headers` plus Vary: Accept-Language (every problem answer depends on it) and, for an
    answer in Chinese, Content-Language: zh-CN."""
    out = dict(headers or {})
    vary = [v.strip() for v in out.get("Vary", "").split(",") if v.strip()]
    if "accept-language" not in {v.lower() for v in vary}:
        vary.append("Accept-Language")
    out["Vary"] = ", ".join(vary)
    if in_chinese():
        out["Content-Language"] = CHINESE
    return out


# --- The catalog -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")
# How a placeholder of each kind matches: a field's path (`year`, `body.lng`,
# `changes.visits.created[0].lat`), a dotted path (one with a `.` or `[`, for a message that
# follows its path after a space), a number; anything else is any text.
_KIND_PATTERN = {
    "path": r"[\w.\[\]\-]+",
    "dotted": r"[\w\-]*[.\[][\w.\[\]\-]*",
    "number": r"-?[0-9][0-9.,]*",
    "text": r".+?",
    "any": r".+?",
}
# Any other placeholder (an id, a code, a term) stops at "; ", where a summary's next message
# starts.
_PLAIN = r"(?:(?!; ).)+?"


@dataclass(frozen=True)
class _Pattern:
    english: str
    regex: re.Pattern[str]
    kinds: dict[str, str | None]
    chinese: str
    literal: int  # how many characters are fixed: the more, the more specific
    slug: str | None  # the problem type it is for; None: any


_SLUG = re.compile(r"^\[([a-z0-9-]+)\] ")


def _compile(english: str, chinese: str) -> _Pattern:
    slug = None
    found = _SLUG.match(english)
    if found is not None:
        slug, english = found.group(1), english[found.end() :]
    parts, kinds, last = [], {}, 0
    for match in _PLACEHOLDER.finditer(english):
        name, kind = match.group(1), match.group(2)
        parts.append(re.escape(english[last : match.start()]))
        parts.append(f"(?P<{name}>{_KIND_PATTERN.get(kind or '', _PLAIN)})")
        kinds[name] = kind
        last = match.end()
    parts.append(re.escape(english[last:]))
    literal = len(_PLACEHOLDER.sub("", english))
    regex = re.compile("".join(parts), re.DOTALL)
    return _Pattern(english, regex, kinds, chinese, literal, slug)


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict[str, str], list[_Pattern]]:
    exact: dict[str, str] = {}
    patterns: list[_Pattern] = []
    for english, chinese in texts_zh.MESSAGES.items():
        if _PLACEHOLDER.search(english):
            patterns.append(_compile(english, chinese))
        else:
            exact[english] = chinese
    patterns.sort(key=lambda p: (p.slug is None, -p.literal))
    return exact, patterns


def term(kind: str, value: str) -> str | None:
    """A domain term (a state, a role, an action, a level) in Chinese, None if unknown."""
    return texts_zh.TERMS.get(kind, {}).get(value)


def _fill(
    pattern: _Pattern, match: re.Match[str], slug: str | None, depth: int, loose: bool
) -> str | None:
    values: dict[str, str] = {}
    for name, kind in pattern.kinds.items():
        value = match.group(name)
        if kind == "text":  # a message inside the message: it must translate too
            found = _translate(value, slug, depth + 1, loose)
            if found is None:
                return None
            values[name] = found
        elif kind == "any":  # e.g. a library's own exception text: Chinese when we know it
            values[name] = _translate(value, slug, depth + 1, loose) or value
        elif kind in texts_zh.TERMS:  # a term we do not know: not this pattern
            found = _term_list(kind, value)
            if found is None and not loose:
                return None
            values[name] = found or value
        else:
            values[name] = value
    return pattern.chinese.format(**values)


def _term_list(kind: str, value: str) -> str | None:
    """A term, or a list of them written `a, b or c` / `a, b`, in Chinese; None if any is
    not a term of that kind."""
    single = term(kind, value.strip("'"))
    if single is not None:
        return single
    items = [i.strip().strip("'") for i in re.split(r",\s*|\s+or\s+|\s+and\s+", value)]
    if len(items) > 1 and all(term(kind, i) for i in items):
        return "、".join(term(kind, i) or i for i in items)
    return None


def _translate(text: str, slug: str | None, depth: int = 0, loose: bool = False) -> str | None:
    if depth > 4:
        return None
    exact, patterns = _catalog()
    if text in exact:
        return exact[text]
    for pattern in patterns:
        if pattern.slug is not None and pattern.slug != slug:
            continue
        match = pattern.regex.fullmatch(text)
        if match is not None:
            found = _fill(pattern, match, slug, depth, loose)
            if found is not None:
                return found
    if "; " in text:  # a summary of several messages, each in the catalog
        parts = [_translate(part, slug, depth + 1, loose) for part in text.split("; ")]
        if all(p is not None for p in parts):
            return "；".join(p for p in parts if p is not None)
    return _pydantic_text(text)


@lru_cache(maxsize=4096)
def translate(text: str, slug: str | None = None) -> str | None:
    """The Chinese of an English message (of a problem of type `slug`, when given), or None
    when the catalog does not know it."""
    return _translate(text, slug)


def has_template(text: str, slug: str | None = None) -> bool:
    """Whether the catalog has this message's template, whatever values fill its terms (the
    coverage test's question: the terms themselves are checked against the enums)."""
    return _translate(text, slug, loose=True) is not None


def chinese_or_english(text: str, slug: str | None = None) -> str:
    return translate(text, slug) or text


def localized(text: str) -> str:
    """`text` in the request's language."""
    return chinese_or_english(text) if in_chinese() else text


# --- Pydantic's validation errors, by type -----------------------------------------------------


def _listing(value: Any) -> str:
    """pydantic's `'a', 'b' or 'c'` as `'a'、'b'、'c'`."""
    return re.sub(r",\s*|\s+or\s+", "、", str(value))


def validation_message(error: Mapping[str, Any]) -> str:
    """One pydantic error ({type, msg, ctx, ...}) in Chinese, from its type and ctx; its own
    text when the type is one we do not know and the text is not in the catalog either."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    msg = str(error.get("msg", ""))
    if kind in {"value_error", "assertion_error"}:
        inner = str(ctx.get("error", ""))
        found = translate(inner)
        if found is not None:
            return found
        return texts_zh.VALIDATION[kind].format(error=inner)
    template = texts_zh.VALIDATION.get(kind)
    if template is None:  # our own PydanticCustomError types: their text is ours
        return translate(msg) or msg
    for key in ("expected", "expected_schemes"):
        if key in ctx:
            ctx[key] = _listing(ctx[key])
    if "error" in ctx:
        ctx["error"] = chinese_or_english(str(ctx["error"]))
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return translate(msg) or msg


@lru_cache(maxsize=1)
def _pydantic_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """pydantic's own message templates as patterns, for messages that reach us as text only
    (the offline sync names pydantic's message of a field inside its own errors)."""
    import pydantic_core

    found = []
    for info in pydantic_core._pydantic_core.list_all_errors():
        kind, template = info["type"], info["message_template_python"]
        if kind not in texts_zh.VALIDATION:
            continue
        regex, last = [], 0
        for match in re.finditer(r"\{(\w+)\}", template):
            regex.append(re.escape(template[last : match.start()]))
            name = match.group(1)
            regex.append(f"(?P<{name}>s?)" if name == "expected_plural" else f"(?P<{name}>.+?)")
            last = match.end()
        regex.append(re.escape(template[last:]))
        found.append((kind, re.compile("".join(regex), re.DOTALL)))
    found.sort(key=lambda item: -len(item[1].pattern))
    return found


def _pydantic_text(text: str) -> str | None:
    for kind, regex in _pydantic_patterns():
        match = regex.fullmatch(text)
        if match is not None:
            ctx = match.groupdict()
            if kind in {"value_error", "assertion_error"}:
                return translate(ctx["error"]) or texts_zh.VALIDATION[kind].format(**ctx)
            return validation_message({"type": kind, "ctx": ctx, "msg": text})
    return None


# --- A problem document ------------------------------------------------------------------------


def problem_in_chinese(body: dict[str, Any]) -> dict[str, Any]:
    """A problem document with its title, detail and each errors[].message (and problems[]
    .message) in Chinese, those the catalog knows; type, status, field and the other members
    as they were."""
    out = dict(body)
    slug = str(out.get("type") or "").rpartition("/")[2] or None
    for key in ("title", "detail"):
        if isinstance(out.get(key), str):
            out[key] = chinese_or_english(out[key], slug)
    for key in ("errors", "problems"):  # problems[]: the rows of a refused import
        if isinstance(out.get(key), list):
            out[key] = [
                {**e, "message": chinese_or_english(e["message"], slug)}
                if isinstance(e, dict) and isinstance(e.get("message"), str)
                else e
                for e in out[key]
            ]
    return out


def localized_problem(body: dict[str, Any]) -> dict[str, Any]:
    """The problem document in the request's language."""
    return problem_in_chinese(body) if in_chinese() else body

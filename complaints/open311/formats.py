"""Open311's two formats: JSON, and XML as the specification shapes it (a root element, one
child element per item, empty elements for missing values, UTF-8 with its declaration)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from xml.etree import ElementTree

import orjson
from fastapi.responses import Response

from backend.core.i18n import language_headers, localized

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# Characters XML 1.0 cannot carry at all, not even escaped. New reports refuse control
# characters (service.check_text); this keeps the XML well-formed for whatever else reaches a
# published field (a reply typed by staff, a row stored before the check).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_IN_XML.sub("", str(value))


def _element(parent: ElementTree.Element, name: str, value: Any) -> None:
    child = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _element(child, key, inner)
    elif isinstance(value, list):
        item_name = {"formats": "format", "endpoints": "endpoint", "values": "value"}.get(
            name, "item"
        )
        for inner in value:
            _element(child, item_name, inner)
    else:
        child.text = _text(value)


def xml_document(root: str, item: str | None, content: dict | Iterable[dict]) -> bytes:
    top = ElementTree.Element(root)
    if item is None:
        for key, value in content.items():  # type: ignore[union-attr]
            _element(top, key, value)
    else:
        for entry in content:
            _element(top, item, entry)
    return ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, item: str | None, content: Any, status: int = 200) -> Response:
    if fmt == "xml":
        body = xml_document(root, item, content)
    else:
        body = orjson.dumps(content)
    return Response(body, status_code=status, media_type=FORMATS[fmt])


def error(fmt: str, code: int, description: str, headers: dict[str, str] | None = None) -> Response:
    """Open311's error list; the description in Chinese when the request prefers it."""
    entry = {"code": code, "description": localized(description)}
    response = respond(fmt, "errors", "error", [entry], code)
    response.headers.update(language_headers(headers))
    return response


def error_for_path(
    path: str, code: int, description: str, headers: dict[str, str] | None
) -> Response:
    """Any error under /open311/ (an unknown path, a body too large, a crash) in Open311's
    shape, in XML when the path asks for it and in JSON otherwise."""
    return error("xml" if path.endswith(".xml") else "json", code, description, headers)

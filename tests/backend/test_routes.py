"""The app's routes are tried in order (backend/app.py puts the busiest first): no request may
reach another route than its own because of that order."""

from __future__ import annotations

import re

from starlette.routing import compile_path

from backend.app import create_app


def test_each_request_reaches_its_own_route_whatever_the_order_of_the_routers():
    paths = create_app().openapi()["paths"]  # in the order the app tries them
    order = list(paths)
    operations = [(path, method) for path, found in paths.items() for method in found]
    patterns = {path: compile_path(path)[0] for path in paths}
    checked = 0
    for path, method in operations:
        request = re.sub(r"\{[^}]+\}", "x1", path)
        takers = [
            other for other, m in operations if m == method and patterns[other].match(request)
        ]
        assert path in takers, f"{method} {path} does not match its own request"
        for other in takers:
            if other != path:  # a literal route and a parameter's: the literal must come first
                assert "{" not in path and "{" in other, f"{method} {path} and {other} collide"
                assert order.index(path) < order.index(other), f"{other} hides {path}"
        checked += 1
    assert checked > 100

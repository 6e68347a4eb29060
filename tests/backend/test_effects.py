"""A process composed as the app is handles every after-effect that any lifecycle table
declares: a step can never find its effect unwired. Checked in a fresh interpreter, since this
one installed the handlers as the test session started."""

import subprocess
import sys

COMPOSE = """
from backend.effects import LIFECYCLES
assert {t.name for t in LIFECYCLES} == {
    "hazard", "complaint", "credit appeal", "measure", "referral", "commitment", "inspection_result"
}
assert any(t.unhandled() for t in LIFECYCLES), "nothing to install: the check would be empty"
from backend.app import create_app
create_app()
unhandled = {t.name: t.unhandled() for t in LIFECYCLES if t.unhandled()}
assert not unhandled, unhandled
"""


def test_every_declared_effect_of_every_table_has_a_handler_once_the_app_is_built():
    done = subprocess.run(
        [sys.executable, "-c", COMPOSE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr

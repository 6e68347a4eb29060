"""Print FIREGRID_LOAD_LOGINS for the demo: its staff, citizen and the first N grid workers
(who share one demo password), from the demo's own login file.

    .venv/bin/python load_tests/demo_logins.py [N]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from backend.core.db import session_scope  # noqa: E402
from backend.core.settings import get_settings  # noqa: E402
from backend.demo import WORKER_LOGIN  # noqa: E402
from grids.models import Area  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    saved = json.loads((get_settings().data_dir / "demo-logins.json").read_text())
    logins = {
        u: p
        for u, p in saved.items()
        if u != WORKER_LOGIN and not u.startswith(("admin", "hotline"))
    }
    with session_scope(read_only=True) as session:
        codes = session.scalars(
            select(Area.code).where(Area.level == "grid").order_by(Area.code).limit(count)
        ).all()
    logins |= {f"worker.{code}": saved[WORKER_LOGIN] for code in codes}
    print(json.dumps(logins, ensure_ascii=False))


if __name__ == "__main__":
    main()

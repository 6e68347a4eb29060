"""Bulletin jobs the worker runs: last month's bulletins, once the month has ended."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.core.settings import Settings
from bulletins import service


def make_monthly_bulletins(session: Session, settings: Settings) -> int:
    """On the 1st (Beijing time) and after, every township's and county's bulletin of the month
    before, a few a pass, each once however many workers run (bulletins.service.make_due)."""
    return service.make_due(session, settings)

"""firegrid: backend for grid-based grassroots fire-safety patrol.

`backend.core` is the kernel (settings, database, errors, security, audit); `backend.identity`
knows who is calling. The domains (`grids`, `hazards`, `patrols`, `offline_sync`) build on them,
and `backend.app`, `backend.cli` and `backend.worker` compose everything.
"""

"""Who is calling: users and roles, passwords, access and refresh tokens, login throttling, and
integration clients (the hotline systems) that sign their requests with HMAC.

Whether a caller may touch an area is decided by `grids.scope`, which owns the area tree.
"""

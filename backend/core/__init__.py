"""The kernel: settings, database, errors, security primitives and the audit log.

Nothing here imports a domain package.
"""

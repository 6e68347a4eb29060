"""Identifiers: UUIDv7, time-ordered so that indexes stay compact and ids sort by creation."""

import uuid

import uuid6


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid6.uuid7().bytes)

"""The device tables' adapters, one module per family of tables, each applying its tables'
records through its domain's service. A new family: a module with its `ADAPTERS`, and its
line below (the registry refuses a device table without an adapter, and two for one)."""

from offline_sync.families import complaints, hazards, notices, notifications, patrols, photos
from offline_sync.protocol import Registry

REGISTRY = Registry(
    *hazards.ADAPTERS,
    *patrols.ADAPTERS,
    *complaints.ADAPTERS,
    *photos.ADAPTERS,
    *notifications.ADAPTERS,
    *notices.ADAPTERS,
)

"""Open311 GeoReport v2 (`/open311/v2/`), the standard interface for citizen apps: hazard
categories as services, citizen reports as service requests (docs/open311.md)."""

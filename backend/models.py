"""Every table, imported in one place so that Alembic and the tests see the whole schema."""

from alarms import models as alarm_models  # noqa: F401
from backend.core import audit, calendar_notices  # noqa: F401
from backend.core.db import Base
from backend.identity import models as identity_models  # noqa: F401
from backend.notify import models as notify_models  # noqa: F401
from bulletins import models as bulletin_models  # noqa: F401
from complaints import models as complaint_models  # noqa: F401
from fires.alerts import models as fire_alert_models  # noqa: F401
from fires.incidents import models as fire_incident_models  # noqa: F401
from fires.stations import models as micro_station_models  # noqa: F401
from grids import models as grid_models  # noqa: F401
from grids.commitments import models as commitment_models  # noqa: F401
from grids.premises import models as premises_models  # noqa: F401
from grids.units import models as unit_models  # noqa: F401
from hazards import models as hazard_models  # noqa: F401
from hazards.credit import models as credit_models  # noqa: F401
from measures import models as measure_models  # noqa: F401
from notices import models as notice_models  # noqa: F401
from notices.unitlink import models as unit_link_models  # noqa: F401
from offline_sync import models as sync_models  # noqa: F401
from patrols import models as patrol_models  # noqa: F401
from patrols.inspections import models as inspection_models  # noqa: F401
from referrals import models as referral_models  # noqa: F401
from risk import models as risk_models  # noqa: F401

metadata = Base.metadata

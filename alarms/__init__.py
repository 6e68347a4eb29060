"""Alarm feeds 物联网: signed events from monitoring platforms (smoke detectors, electrical-fire
monitors, fire-control-room networks), de-duplicated per device and turned into work by rules."""

"""Fixtures for risk tests: the random draw's sixty units and its inspectors."""

from tests.patrols.inspections.test_random_inspections import inspectors, units  # noqa: F401

"""The scenarios of calendars.feature (CAL-1, CAL-2)."""

from pytest_bdd import scenarios

scenarios("calendars.feature")

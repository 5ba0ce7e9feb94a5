"""The scenarios of removing_the_integration.feature (INT-1)."""

from pytest_bdd import scenarios

scenarios("removing_the_integration.feature")

"""The scenarios of roles.feature (SYNC-4, SYNC-6, SYNC-9)."""

from pytest_bdd import scenarios

scenarios("roles.feature")

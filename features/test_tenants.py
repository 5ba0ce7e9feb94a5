"""The scenarios of tenants.feature (TEN-1)."""

from pytest_bdd import scenarios

scenarios("tenants.feature")

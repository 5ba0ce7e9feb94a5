"""The scenarios of external_users.feature (EXT-1)."""

from pytest_bdd import scenarios

scenarios("external_users.feature")

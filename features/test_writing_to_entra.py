"""The scenarios of writing_to_entra.feature (SYNC-5, SYNC-11)."""

from pytest_bdd import scenarios

scenarios("writing_to_entra.feature")

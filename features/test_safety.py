"""The scenarios of safety.feature (SAFE-1, SAFE-2, SAFE-3)."""

from pytest_bdd import scenarios

scenarios("safety.feature")

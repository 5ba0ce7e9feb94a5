"""The scenarios of deletion.feature (DEL-1, DEL-2)."""

from pytest_bdd import scenarios

scenarios("deletion.feature")

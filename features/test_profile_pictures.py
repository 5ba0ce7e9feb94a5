"""The scenarios of profile_pictures.feature (PIC-1, PIC-2)."""

from pytest_bdd import scenarios

scenarios("profile_pictures.feature")

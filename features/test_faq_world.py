"""The scenarios of faq_world.feature (SYNC-6, SYNC-7) on the built-in "faq" world."""

from pytest_bdd import scenarios

scenarios("faq_world.feature")

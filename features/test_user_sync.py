"""The scenarios of user_sync.feature (DEL-1, SYNC-1, SYNC-2, SYNC-3, SYNC-7, SYNC-8, SYNC-10, SYNC-12, SYNC-13)."""

from pytest_bdd import scenarios

scenarios("user_sync.feature")

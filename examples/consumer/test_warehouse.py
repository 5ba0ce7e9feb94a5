"""Our scenarios; the steps come from the installed emply_sim plugin."""

from pytest_bdd import scenarios

scenarios("warehouse.feature")

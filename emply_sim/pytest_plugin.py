"""The ``pytest11`` entry point: loads the step library only where pytest-bdd is installed.

Installing emply-entra-sim registers this module with every pytest in the environment,
so it must import nothing that a plain install lacks. With the ``bdd`` extra
(pytest-bdd) it brings in :mod:`emply_sim.bdd.plugin`; without it, it does nothing, and
an unrelated project's pytest runs as before.
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("pytest_bdd") is not None:
    pytest_plugins = ["emply_sim.bdd.plugin"]

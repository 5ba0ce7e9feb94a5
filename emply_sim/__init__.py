"""What users run: the ``emply-sim`` command, the demo, the pytest-bdd step library
and plugin, and the reliability harness, all over the simulated world in ``mocks``."""

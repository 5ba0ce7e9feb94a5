"""The built-in scenarios: world documents in YAML, shipped as package data.

Load one with ``mocks.scenarios.load_scenario("faq")``; list them with
``mocks.scenarios.list_builtin()`` or ``emply-sim scenarios``.
"""

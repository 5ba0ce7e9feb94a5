"""Gherkin step library for the Entra ID -> Emply People integration, shipped as a pytest plugin.

See mocks/bdd/README.md. The plugin module is :mod:`mocks.bdd.plugin`; steps are in
:mod:`mocks.bdd.steps`, the world builder in :mod:`mocks.bdd.world`.
"""

"""Gherkin step library for the Entra ID -> Emply People integration, shipped as a pytest plugin.

See emply_sim/bdd/README.md. The plugin module is :mod:`emply_sim.bdd.plugin`; steps are in
:mod:`emply_sim.bdd.steps`, the world builder in :mod:`emply_sim.bdd.world`.
"""

"""The same features run against `emply-sim serve` (served mode), and survive renaming people."""

from __future__ import annotations

import pytest

from emply_sim.bdd import plugin
from tests.bdd.conftest import FEATURES, ROOT, run_pytest


def test_features_pass_against_emply_sim_serve(tmp_path):
    # --emply-sim-serve starts `emply-sim serve --port-file` and reads the port file, as CI
    # does with a server of its own and --emply-sim-port-file.
    trace = tmp_path / "trace.md"
    result = run_pytest("-q", "features/test_tenants.py", "features/test_profile_pictures.py",
                        "-k", "tenant or example", "--emply-sim-serve", "--emply-sim-trace",
                        str(trace), cwd=ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout
    assert "| PIC-2 | the integration never sends photos to Entra | 1 | passed |" in \
        trace.read_text(encoding="utf-8")


def test_served_mode_refuses_xdist():
    class Options:
        numprocesses = 2

    class Config:
        option = Options()

        def getoption(self, name):
            return {"--emply-sim-serve": True}.get(name)

        def addinivalue_line(self, name, line):
            pass

    with pytest.raises(pytest.UsageError, match="cannot run under pytest-xdist"):
        plugin.pytest_configure(Config())


def test_renaming_the_people_of_a_feature_does_not_break_the_steps(tmp_path):
    text = (FEATURES / "roles.feature").read_text(encoding="utf-8")
    renamed = (text.replace("Megan Jordan", "Mona Lind").replace("Ray Ross", "Rolf Dahl")
               .replace("Helle Holm", "Hanne Vig"))
    assert "Megan" not in renamed and "Mona Lind" in renamed
    (tmp_path / "renamed.feature").write_text(renamed, encoding="utf-8")
    (tmp_path / "test_renamed.py").write_text(
        "from pytest_bdd import scenarios\n\nscenarios('renamed.feature')\n", encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\n", encoding="utf-8")
    result = run_pytest("-q", "-k", "case and (a- or d-) or Rolf and left", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "3 passed" in result.stdout

"""``python -m emply_sim``: the same as the ``emply-sim`` command."""

from emply_sim.cli import main

main()

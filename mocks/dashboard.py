"""The Emply dashboard on plain local HTTP, for demos: ``python -m mocks.dashboard faq``.

It lives beside the in-process runner rather than in the pages module, so the pages do
not import the runner that imports them.
"""

from __future__ import annotations

import argparse

from mocks import guard, scenarios
from mocks.inprocess import InProcess
from mocks.world import World


def main(argv: list[str] | None = None) -> None:
    """``python -m mocks.dashboard [scenario] [--port N]``: the dashboard on plain local HTTP.

    The whole world runs in-process (the sync reaches Graph without sockets); only the
    Emply app listens, on 127.0.0.1, so a browser can open ``http://127.0.0.1:N/ui/``.
    """
    parser = argparse.ArgumentParser(prog="python -m mocks.dashboard", description=main.__doc__)
    parser.add_argument("scenario", nargs="?", default="faq",
                        help=f"built-in scenario ({', '.join(scenarios.list_builtin())})")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    w = World()
    scenarios.load_world(args.scenario, w)
    sim = InProcess(w)
    protect(sim.emply_app)
    print(f"Emply dashboard: http://127.0.0.1:{args.port}/ui/  (Ctrl+C to stop)")
    sim.emply_app.run(host="127.0.0.1", port=args.port, threaded=True)


def protect(app) -> None:
    """F12: on plain HTTP only loopback host names are answered (no DNS rebinding)."""
    from mocks.emply.app import error

    guard.install_host_check(app, lambda status, message: error(
        status, "misdirected_request", message[:1].upper() + message[1:] + "."))


if __name__ == "__main__":
    main()

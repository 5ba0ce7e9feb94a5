"""The Emply dashboard on plain local HTTP, for demos: ``python -m mocks.dashboard faq``.

The whole world runs in-process (the sync and the pages' Entra actions reach Graph
without sockets); only the Emply app listens, on 127.0.0.1, so a browser can open
``http://127.0.0.1:N/ui/`` and the guided FAQ tour at ``/ui/tour``. It lives beside the
in-process runner rather than in the pages module, so the pages do not import the
runner that imports them. ``emply-sim demo --web`` uses it too.
"""

from __future__ import annotations

import argparse
import threading

from werkzeug.serving import make_server

from mocks import guard, scenarios
from mocks.emply.entra_admin import register_admin_app
from mocks.inprocess import InProcess
from mocks.world import World


class Dashboard:
    """A world loaded from a scenario, its Emply pages served on 127.0.0.1 over HTTP."""

    def __init__(self, scenario: str = "faq", port: int = 8081, *, admin_app: bool = True) -> None:
        doc, self.world = scenarios.load_world(scenario, World())
        if admin_app:  # the pages' Entra actions need an app that may write (the demo's own)
            register_admin_app(self.world.tenant)
        self.sim = InProcess(self.world)
        app = self.sim.emply_app
        protect(app)  # F12: plain HTTP answers only loopback Host names
        app.config["EMPLY_SCENARIO"] = (scenario, doc)
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ui/"

    @property
    def tour_url(self) -> str:
        return f"{self.url}tour"

    def start(self) -> Dashboard:
        self._thread = threading.Thread(target=self._server.serve_forever, name="emply-dashboard",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and detach the hosted sync from the world."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.sim.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m mocks.dashboard [scenario] [--port N]``: the dashboard on plain local HTTP."""
    parser = argparse.ArgumentParser(prog="python -m mocks.dashboard", description=main.__doc__)
    parser.add_argument("scenario", nargs="?", default="faq",
                        help=f"built-in scenario ({', '.join(scenarios.list_builtin())})")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    dashboard = Dashboard(args.scenario, args.port)
    print(f"Emply dashboard: {dashboard.url}  FAQ tour: {dashboard.tour_url}  (Ctrl+C to stop)")
    try:
        dashboard._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        dashboard._server.server_close()
        dashboard.sim.close()


def protect(app) -> None:
    """F12: on plain HTTP only loopback host names are answered (no DNS rebinding)."""
    from mocks.emply.app import error

    guard.install_host_check(app, lambda status, message: error(
        status, "misdirected_request", message[:1].upper() + message[1:] + "."))


if __name__ == "__main__":
    main()

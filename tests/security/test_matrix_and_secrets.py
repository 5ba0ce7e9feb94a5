"""Security: every Emply route (walked from the app's URL map) refuses no API key, a wrong
key and a key without the route's permission, and changes nothing when it does; every
``/_sim/`` control route of every app, and Emply's pages, refuse requests without the
simulation token once one is set (served beyond loopback); API keys, client secrets,
access tokens and the simulation token appear in no log record (any logger, DEBUG), run
record, state dump, Graph journal or error body.

The Graph side of the matrix (no, malformed, expired, wrongly signed, wrong-audience and
other-tenant tokens, and tokens without the permission, for every Graph route) is
tests/sdk/test_permission_table.py and tests/graph/test_permissions.py.
"""

from __future__ import annotations

import socket

from emply_sim.reliability import measure_security
from mocks.serving import ServedWorld
from mocks.world import World


def test_every_route_refuses_intruders_and_no_secret_leaks(figure):
    report = measure_security()
    figure(f"{report.routes} Emply API routes x 4 intruder cases = {report.cases} requests: "
           f"wrongly answered {len(report.wrong)}, changed state {len(report.changed_on_refusal)}; "
           f"{report.sim_routes} /_sim/ and page routes without or with a wrong token: wrongly "
           f"answered {len(report.sim_wrong)}; {report.secrets_checked} secrets looked for in "
           f"{report.places_checked} places: leaks {report.leaks}")
    assert report.routes >= 50 and report.cases == 4 * report.routes
    assert report.wrong == []
    assert report.changed_on_refusal == []
    assert report.sim_routes >= 20 and report.sim_wrong == []
    # Routes without an API key: the OpenAPI document, the pages and the control API
    # (both guarded by the simulation token, checked above), nothing else.
    assert all(r.startswith(("/ui", "/_sim")) or r.endswith("openapi.json")
               for r in report.public), report.public
    assert report.secrets_checked >= 6 and report.places_checked >= 7
    assert report.leaks == []


def test_served_worlds_listen_on_loopback_only_unless_told_otherwise():
    world = World()
    with ServedWorld(world) as served:
        for server in served._servers.values():
            assert server.server_address[0] == "127.0.0.1"
        assert served.sim_token is None  # loopback: the control API is this machine's
        port = next(iter(served.ports().values()))
        outward = _outward_address()
        if outward is not None:  # not reachable on the machine's other addresses
            with socket.socket() as probe:
                probe.settimeout(1)
                assert probe.connect_ex((outward, port)) != 0


def _outward_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: connect() on UDP only picks a route
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address

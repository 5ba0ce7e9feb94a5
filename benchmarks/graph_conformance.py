"""Graph fidelity figure (issue 14): Microsoft's documented examples replayed on the served mock.

Every example of the conformance suite (tests/conformance) is sent over HTTPS to a freshly
served Fabrikam world; the script prints, per area, how many got the documented status and
body shape, the total share, and the examples that did not.

    python benchmarks/graph_conformance.py
"""

from __future__ import annotations

import os
import sys
from collections import Counter

import httpx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mocks.serving import ServedWorld  # noqa: E402
from tests.conformance.conftest import Tenant  # noqa: E402
from tests.conformance.test_documented_examples import EXAMPLES, replay  # noqa: E402

AREAS = (("delta", "delta"), ("batching", "batching"), ("user-list-manager", "manager"), ("user-post-manager", "manager"),
         ("user-delete-manager", "manager"), ("directreports", "manager"),
         ("memberof", "memberOf"), ("membergroups", "memberOf"), ("getbyids", "memberOf"),
         ("members", "members"), ("owners", "members"), ("group", "groups"), ("photo", "photos"),
         ("calendar", "calendars"), ("event", "events"), ("deleteditems", "deleted items"),
         ("domain", "domains"), ("organization", "organization"), ("delta", "delta"),
         ("batching", "batching"), ("user", "users"), ("quer", "query limits"))


def area(page: str) -> str:
    return next((name for key, name in AREAS if key in page.lower()), "other")


def main() -> int:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(name, None)
    passed, total, missing = Counter(), Counter(), []
    for example in EXAMPLES:
        fab = Tenant()
        with ServedWorld(fab.world) as served:
            fab.client.close()
            fab.client = httpx.Client(base_url=served.graph_url, verify=served.ssl_context(),
                                      headers={"Authorization": fab.client.headers["Authorization"]},
                                      trust_env=False)
            total[area(example.page)] += 1
            try:
                replay(fab, example)
                passed[area(example.page)] += 1
            except AssertionError as exc:
                missing.append(f"{example.id}: {str(exc)[:160]}")
            finally:
                fab.client.close()
    for name in sorted(total):
        print(f"{name:15} {passed[name]:3d} of {total[name]:3d}")
    ok, all_ = sum(passed.values()), sum(total.values())
    print(f"documented examples with the documented status and body shape (served): "
          f"{ok} of {all_} ({100 * ok / all_:.0f} %)")
    for line in missing:
        print("  differs:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

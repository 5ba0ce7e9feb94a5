"""A built-in scenario in an in-process world with the sync hosted, and the pages' test client."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import pytest

from mocks import scenarios
from mocks.inprocess import InProcess
from mocks.world import World


class _Text(HTMLParser):
    """Collects the visible text of the element with a given id (or of the whole page)."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source"}

    def __init__(self, element_id: str | None) -> None:
        super().__init__()
        self.element_id = element_id
        self.inside = self.found = element_id is None
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID or self.element_id is None:
            return
        if self.inside:
            self.depth += 1
        elif not self.found and dict(attrs).get("id") == self.element_id:
            self.inside, self.found, self.depth = True, True, 1

    def handle_endtag(self, tag):
        if tag in self.VOID or self.element_id is None or not self.inside:
            return
        self.depth -= 1
        if self.depth == 0:
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def text(html: str, element_id: str | None = None) -> str:
    """The visible text of the page, or of the element with ``element_id``, spaces collapsed."""
    parser = _Text(element_id)
    parser.feed(html)
    assert parser.found, f"no element with id {element_id!r} on the page"
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def flashes(html: str) -> list[str]:
    """The messages shown at the top of the page after an action."""
    return [html_lib.unescape(re.sub(r"\s+", " ", m).strip())
            for m in re.findall(r'<p class="flash (?:ok|error)"[^>]*>(.*?)</p>', html, re.S)]


class Demo:
    """A world loaded from a built-in scenario, its pages, and shortcuts a tester would use."""

    def __init__(self, scenario: str) -> None:
        self.world = World()
        scenarios.load_world(scenario, self.world)
        self.inproc = InProcess(self.world)
        self.app = self.inproc.emply_app
        self.client = self.app.test_client()

    @property
    def emply(self):
        return self.world.emply

    @property
    def engine(self):
        return self.inproc.engine

    def get(self, path: str, status: int = 200) -> str:
        response = self.client.get(path)
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response.get_data(as_text=True)

    def post(self, path: str, data: dict | None = None, back: str = "/ui/") -> str:
        """Send a page's form; follow the redirect back and return that page."""
        # A browser sends its Origin with every form POST; the pages refuse forms without.
        response = self.client.post(path, data={"next": back, **(data or {})},
                                    headers={"Origin": "http://localhost"})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        assert response.headers["Location"] == back
        return self.get(back)

    def user(self, email: str):
        return self.emply.user_by_email(email)

    def roles(self, email: str) -> set[str]:
        return {self.emply.roles[r].name for r in self.user(email).role_ids}

    def role_id(self, name: str) -> str:
        return self.emply.role_by_name(name).id

    def leave_all_groups(self, upn: str) -> None:
        """The Entra administrator takes a person out of every group (Entra side)."""
        tenant = self.world.tenant
        member = tenant.user_by_id_or_upn(upn)
        for group in list(tenant.groups.values()):
            if member.id in group.members:
                tenant.remove_member(group.id, member.id)

    def close(self) -> None:
        self.inproc.close()


@pytest.fixture
def faq():
    demo = Demo("faq")
    yield demo
    demo.close()


@pytest.fixture
def calendars():
    demo = Demo("calendars")
    yield demo
    demo.close()

"""Security tests print their figures like the reliability tests do."""

from tests.reliability.conftest import figure  # noqa: F401  (the fixture)

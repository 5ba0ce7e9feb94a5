"""Graph routes: calendars (to be built)."""

from flask import Blueprint

bp = Blueprint("graph_calendars", __name__)

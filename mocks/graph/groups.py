"""Graph routes: groups (to be built)."""

from flask import Blueprint

bp = Blueprint("graph_groups", __name__)

"""Graph routes: users (to be built)."""

from flask import Blueprint

bp = Blueprint("graph_users", __name__)

"""Graph routes: delta (to be built)."""

from flask import Blueprint

bp = Blueprint("graph_delta", __name__)

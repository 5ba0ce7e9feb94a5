"""Graph routes: batch (to be built)."""

from flask import Blueprint

bp = Blueprint("graph_batch", __name__)

"""Graph routes: directory (to be built)."""

from flask import Blueprint

bp = Blueprint("graph_directory", __name__)

"""Graph routes: photos (to be built)."""

from flask import Blueprint

bp = Blueprint("graph_photos", __name__)

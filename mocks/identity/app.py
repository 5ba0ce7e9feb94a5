"""Flask app of the identity platform mock (login.microsoftonline.com for one tenant)."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from mocks.identity.models import TokenRequestRefused
from mocks.identity.responses import aad_error, bp


def create_app(world) -> Flask:
    """Build the identity platform app over ``world`` (a :class:`mocks.world.World`)."""
    app = Flask("mocks.identity")
    app.config["WORLD"] = world
    app.json.sort_keys = False
    app.register_blueprint(bp)
    from mocks.sim.responses import bp as sim_bp

    app.register_blueprint(sim_bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # Paths and methods the platform does not have: no AADSTS code applies.
        status = exc.code or 400
        if status == 404:
            description = f"The identity platform mock has no endpoint at {request.path}."
        elif status == 405:
            description = f"{request.path} does not accept {request.method} requests."
        else:
            description = exc.description or exc.name
        response = jsonify({"error": "invalid_request", "error_description": description})
        response.status_code = status
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # never a stack trace to the client
        app.logger.exception("unhandled error in the identity platform mock")
        return aad_error(TokenRequestRefused(500, "temporarily_unavailable", 90033,
                                             "A transient error has occurred. Please try again."))

    return app

"""Graph routes for users' profile photos: metadata, bytes, upload and removal.

State and rules live in :mod:`mocks.entra.mailbox`; a photo is a navigation property, so
changing it records no directory change (delta queries do not see it, as in Graph).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from mocks.entra import mailbox
from mocks.entra.models import EntraError, User
from mocks.graph import odata
from mocks.graph.auth import requires

bp = Blueprint("graph_photos", __name__)


def _user(key: str) -> User:
    user = current_app.config["WORLD"].tenant.user_by_id_or_upn(key)
    if user is None:
        raise EntraError(404, "Request_ResourceNotFound",
                         f"Resource '{key}' does not exist or one of its queried "
                         "reference-property objects are not present.")
    return user


# The sizes Graph serves for a Microsoft 365 photo (profilephoto-get.md).
SIZES = ("48x48", "64x64", "96x96", "120x120", "240x240", "360x360", "432x432", "504x504",
         "648x648")


def _size(size: str) -> str:
    if size.lower() not in SIZES:
        raise EntraError(404, "ImageNotFound", "The photo wasn't found.")
    return size.lower()


@bp.get("/users/<key>/photo")
@requires("photos.read")
def get_photo_metadata(key: str):
    """The profilePhoto entity: size as its id, media type and media etag.

    A user who never had a photo gets Graph's documented placeholder: a 1x1 GIF with an
    empty media etag (the bytes at ``/photo/$value`` stay 404).
    """
    user = _user(key)
    photo = current_app.config["WORLD"].tenant.photos.get(user.id)
    base = odata.host_url().rstrip("/") + "/v1.0"
    ctype, etag, width, height = (("image/gif", "", 1, 1) if photo is None else
                                  (photo.content_type, photo.etag, photo.width, photo.height))
    return jsonify({
        "@odata.context": f"{base}/$metadata#users('{user.id}')/photo/$entity",
        "@odata.id": f"{base}/users('{user.id}')/photo",
        "@odata.mediaContentType": ctype,
        "@odata.mediaEtag": etag,
        "id": f"{width}x{height}",
        "width": width,
        "height": height,
    })


@bp.get("/users/<key>/photos")
@requires("photos.read")
def list_photo_sizes(key: str):
    """The sizes a stored photo is available in (none without a photo)."""
    user = _user(key)
    photo = current_app.config["WORLD"].tenant.photos.get(user.id)
    base = odata.host_url().rstrip("/") + "/v1.0"
    sizes = [] if photo is None else [s for s in SIZES if int(s.split("x")[0]) <= photo.width]
    return jsonify({"@odata.context": f"{base}/$metadata#users('{user.id}')/photos",
                    "value": [_size_json(photo, s) for s in sizes]})


def _size_json(photo, size: str) -> dict:
    side = int(size.split("x")[0])
    return {"@odata.mediaContentType": photo.content_type, "@odata.mediaEtag": photo.etag,
            "id": size, "width": side, "height": side}


@bp.get("/users/<key>/photos/<size>")
@requires("photos.read")
def get_photo_size(key: str, size: str):
    """One size's metadata; 404 when there is no photo."""
    user = _user(key)
    photo = mailbox.photo_of(current_app.config["WORLD"].tenant, user.id)
    base = odata.host_url().rstrip("/") + "/v1.0"
    return jsonify({"@odata.context": f"{base}/$metadata#users('{user.id}')/photos/$entity",
                    **_size_json(photo, _size(size))})


@bp.get("/users/<key>/photo/<size>/$value")
@bp.get("/users/<key>/photos/<size>/$value")
@requires("photos.read")
def get_photo_size_value(key: str, size: str):
    """A size's bytes: the stored photo (the mock keeps one rendition for every size)."""
    _size(size)
    return get_photo_value(key)


@bp.get("/users/<key>/photo/$value")
@requires("photos.read")
def get_photo_value(key: str):
    """The photo's bytes with their content type."""
    user = _user(key)
    photo = mailbox.photo_of(current_app.config["WORLD"].tenant, user.id)
    response = Response(photo.content, status=200, content_type=photo.content_type)
    response.headers["ETag"] = photo.etag
    return response


@bp.route("/users/<key>/photo/$value", methods=["PUT", "PATCH"])
@requires("photos.write")
def put_photo_value(key: str):
    """Replace the photo with the request body (image/jpeg or image/png, at most 4 MB)."""
    user = _user(key)
    mailbox.upload_photo(current_app.config["WORLD"].tenant, user.id, request.get_data(),
                         request.headers.get("Content-Type", ""))
    return Response(status=200)


@bp.delete("/users/<key>/photo")
@bp.delete("/users/<key>/photo/$value")
@requires("photos.write")
def delete_photo(key: str):
    """Remove the user's photo."""
    user = _user(key)
    mailbox.remove_photo(current_app.config["WORLD"].tenant, user.id)
    return Response(status=204)

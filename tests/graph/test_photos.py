"""Profile photos: metadata, bytes, upload limits and Graph's errors."""

from __future__ import annotations

from mocks.entra.mailbox import MAX_PHOTO_BYTES

from .extras_conftest_helpers import error_of, jpeg, png, sim_fixture  # noqa: F401

READ = "ProfilePhoto.Read.All"
WRITE = "ProfilePhoto.ReadWrite.All"


def test_user_without_photo_gets_the_placeholder_metadata_and_no_bytes(sim):
    """profilephoto-get.md: metadata of a never-set photo is a 1x1 GIF with an empty etag;
    the bytes are 404 ImageNotFound (changed by issue 14: the metadata was a 404 before)."""
    client = sim.client(READ)
    meta = client.get(f"/users/{sim.ray.id}/photo")
    assert meta.status_code == 200
    body = meta.json()
    assert (body["@odata.mediaContentType"], body["@odata.mediaEtag"]) == ("image/gif", "")
    assert (body["id"], body["width"], body["height"]) == ("1x1", 1, 1)
    status, code, message = error_of(client.get(f"/users/{sim.ray.id}/photo/$value"))
    assert (status, code) == (404, "ImageNotFound")
    assert "ImageNotFoundException" in message


def test_uploaded_png_comes_back_with_its_size_and_bytes(sim):
    image = png(120, 80)
    put = sim.client(WRITE).put(f"/users/{sim.ray.id}/photo/$value", content=image,
                                headers={"Content-Type": "image/png"})
    assert put.status_code == 200

    reader = sim.client(READ)
    meta = reader.get(f"/users/{sim.ray.id}/photo")
    assert meta.status_code == 200
    body = meta.json()
    assert (body["id"], body["width"], body["height"]) == ("120x80", 120, 80)
    assert body["@odata.mediaContentType"] == "image/png"
    assert body["@odata.mediaEtag"]
    assert body["@odata.context"].endswith(f"users('{sim.ray.id}')/photo/$entity")

    value = reader.get("/users/ray.ross@contoso.com/photo/$value")
    assert value.status_code == 200
    assert value.headers["content-type"] == "image/png"
    assert value.content == image


def test_photo_is_found_by_user_principal_name_too(sim):
    sim.client(WRITE).put("/users/megan.jordan@contoso.com/photo/$value", content=jpeg(96, 64),
                          headers={"Content-Type": "image/jpeg"})
    meta = sim.client(READ).get(f"/users/{sim.megan.id}/photo").json()
    assert (meta["id"], meta["@odata.mediaContentType"]) == ("96x64", "image/jpeg")


def test_replacing_a_photo_changes_its_etag(sim):
    writer, reader = sim.client(WRITE), sim.client(READ)
    path = f"/users/{sim.ray.id}/photo"
    writer.put(path + "/$value", content=png(10, 10), headers={"Content-Type": "image/png"})
    first = reader.get(path).json()["@odata.mediaEtag"]
    writer.put(path + "/$value", content=png(20, 20), headers={"Content-Type": "image/png"})
    second = reader.get(path).json()
    assert second["@odata.mediaEtag"] != first
    assert second["id"] == "20x20"


def test_photo_over_4_mb_is_refused_and_the_old_one_kept(sim):
    writer = sim.client(WRITE)
    path = f"/users/{sim.ray.id}/photo/$value"
    writer.put(path, content=png(8, 8), headers={"Content-Type": "image/png"})
    too_big = jpeg(2000, 2000, padding=MAX_PHOTO_BYTES)
    status, code, message = error_of(writer.put(path, content=too_big,
                                                 headers={"Content-Type": "image/jpeg"}))
    assert (status, code) == (413, "RequestEntityTooLarge")
    assert "4 MB" in message
    assert sim.client(READ).get(path).content == png(8, 8)


def test_upload_refuses_unsupported_type_and_bytes_that_are_not_the_image_type(sim):
    writer = sim.client(WRITE)
    path = f"/users/{sim.ray.id}/photo/$value"
    status, code, message = error_of(writer.put(path, content=b"hello",
                                                 headers={"Content-Type": "text/plain"}))
    assert (status, code) == (415, "UnsupportedMediaType")
    assert "text/plain" in message
    status, code, message = error_of(writer.put(path, content=b"not really a png",
                                                 headers={"Content-Type": "image/png"}))
    assert status == 400 and "not a valid image/png" in message
    status, _, _ = error_of(writer.put(path, content=b"", headers={"Content-Type": "image/png"}))
    assert status == 400
    assert sim.ray.id not in sim.tenant.photos


def test_photo_permissions(sim):
    path = f"/users/{sim.ray.id}/photo/$value"
    status, code, _ = error_of(sim.client(READ).put(path, content=png(4, 4),
                                                     headers={"Content-Type": "image/png"}))
    assert (status, code) == (403, "Authorization_RequestDenied")
    status, code, _ = error_of(sim.client("Calendars.Read").get(f"/users/{sim.ray.id}/photo"))
    assert (status, code) == (403, "Authorization_RequestDenied")
    status, code, _ = error_of(sim.client().get(f"/users/{sim.ray.id}/photo"))
    assert (status, code) == (401, "InvalidAuthenticationToken")
    # User.Read.All is enough to read photos, User.ReadWrite.All to write them.
    assert sim.client("User.ReadWrite.All").put(
        path, content=png(4, 4), headers={"Content-Type": "image/png"}).status_code == 200
    assert sim.client("User.Read.All").get(path).status_code == 200


def test_photo_of_unknown_user_is_not_found(sim):
    status, code, message = error_of(sim.client(READ).get("/users/nobody@contoso.com/photo"))
    assert (status, code) == (404, "Request_ResourceNotFound")
    assert "nobody@contoso.com" in message


def test_deleting_a_photo(sim):
    writer = sim.client(WRITE)
    writer.put(f"/users/{sim.ray.id}/photo/$value", content=png(4, 4),
               headers={"Content-Type": "image/png"})
    assert writer.delete(f"/users/{sim.ray.id}/photo").status_code == 204
    assert sim.client(READ).get(f"/users/{sim.ray.id}/photo").json()["@odata.mediaEtag"] == ""
    assert error_of(sim.client(READ).get(f"/users/{sim.ray.id}/photo/$value"))[1] == "ImageNotFound"
    assert error_of(writer.delete(f"/users/{sim.ray.id}/photo"))[0] == 404


def test_photo_uploaded_as_octet_stream_takes_its_type_from_the_bytes(sim):
    """What msgraph-sdk's photo.content.put sends: application/octet-stream."""
    writer = sim.client(WRITE)
    put = writer.put(f"/users/{sim.ray.id}/photo/$value", content=png(6, 5),
                     headers={"Content-Type": "application/octet-stream"})
    assert put.status_code == 200, put.text
    meta = sim.client(READ).get(f"/users/{sim.ray.id}/photo").json()
    assert (meta["@odata.mediaContentType"], meta["width"], meta["height"]) == ("image/png", 6, 5)
    refused = writer.put(f"/users/{sim.ray.id}/photo/$value", content=b"plain text",
                         headers={"Content-Type": "application/octet-stream"})
    assert error_of(refused)[:2] == (415, "UnsupportedMediaType")
    assert sim.client(READ).get(f"/users/{sim.ray.id}/photo").json()["width"] == 6


def test_deleting_the_photo_value(sim):
    """profilephoto-delete.md: DELETE /users/{id}/photo/$value removes the photo (204)."""
    writer = sim.client(WRITE)
    writer.put(f"/users/{sim.ray.id}/photo/$value", content=png(4, 4),
               headers={"Content-Type": "image/png"})
    assert writer.delete(f"/users/{sim.ray.id}/photo/$value").status_code == 204
    assert sim.tenant.photos.get(sim.ray.id) is None


def test_photo_change_is_not_a_directory_change(sim):
    before = sim.tenant.last_seq
    sim.client(WRITE).put(f"/users/{sim.ray.id}/photo/$value", content=png(4, 4),
                          headers={"Content-Type": "image/png"})
    assert sim.tenant.last_seq == before

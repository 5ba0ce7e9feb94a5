"""Copy profile photos from Emply People to Microsoft Entra ID (the PIC-2 answer).

The integration never sends photos to Entra: photos flow from Entra to Emply only, and
only for users without an employee (PIC-1). Whoever wants Emply's photo in Entra reads
it from Emply's API and uploads it through Microsoft Graph themselves, which is what
this script does:

1. ``GET {emply}/users/{id}`` and ``GET {emply}/users/{id}/photo`` (Emply API key);
2. a Graph token for an app registration with ``ProfilePhoto.ReadWrite.All`` (or
   ``User.ReadWrite.All``), from MSAL's client-credentials flow;
3. ``PUT {graph}/users/{entra id or e-mail}/photo/$value`` with the photo's bytes.

Run it against ``emply-sim serve`` (the port file gives every value) or a real tenant::

    python examples/push_photos_to_entra.py --emply-url "$EMPLY_URL" --api-key "$EMPLY_API_KEY" \\
        --graph-url "$GRAPH_URL" --authority "$AUTHORITY" --client-id "$CLIENT_ID" \\
        --client-secret "$CLIENT_SECRET" --ca-file "$CA_FILE" [USER_ID ...]

Without user ids it copies the photo of every active Emply user that has one.
"""

from __future__ import annotations

import argparse
import os
import ssl
import sys
from dataclasses import dataclass, field

import httpx
import msal

GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]


@dataclass
class PushResult:
    """What the script did: photos copied, users skipped (and why), failures."""

    copied: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def graph_token(authority: str, client_id: str, client_secret: str,
                http: httpx.Client | None = None, ca_file: str | None = None) -> str:
    """An app-only Graph token from MSAL (client credentials)."""
    kwargs = {"http_client": http} if http is not None else {"verify": ca_file or True}
    app = msal.ConfidentialClientApplication(client_id, client_credential=client_secret,
                                             authority=authority, instance_discovery=False,
                                             **kwargs)
    result = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
    if "access_token" not in result:
        raise RuntimeError(f"no Graph token: {result.get('error')}: {result.get('error_description')}")
    return result["access_token"]


def push_photos(*, emply_url: str, api_key: str, graph_url: str, authority: str, client_id: str,
                client_secret: str, user_ids: list[str] | None = None,
                http: httpx.Client | None = None, ca_file: str | None = None) -> PushResult:
    """Copy each Emply user's photo to their Entra user; return what happened.

    ``emply_url`` ends with ``/v1/{customer}``, ``graph_url`` with ``/v1.0``. ``http`` is
    the ``httpx.Client`` to use (tests pass one that reaches the mocks in-process);
    otherwise one is made that trusts ``ca_file``.
    """
    if http is None:
        verify = ssl.create_default_context(cafile=ca_file) if ca_file else True
        http = httpx.Client(verify=verify, timeout=30.0)
    token = graph_token(authority, client_id, client_secret, http=http)
    emply = {"params": {"apiKey": api_key}}
    if user_ids is None:
        listing = http.get(f"{emply_url}/users", params={"apiKey": api_key, "status": "active"})
        listing.raise_for_status()
        user_ids = [u["id"] for u in listing.json() if u["hasPhoto"]]
    result = PushResult()
    for user_id in user_ids:
        user = http.get(f"{emply_url}/users/{user_id}", **emply)
        if user.status_code != 200:
            result.failed.append((user_id, f"Emply: {user.status_code} {user.text[:200]}"))
            continue
        photo = http.get(f"{emply_url}/users/{user_id}/photo", **emply)
        if photo.status_code == 404:
            result.skipped.append((user_id, "no photo in Emply"))
            continue
        if photo.status_code != 200:
            result.failed.append((user_id, f"Emply photo: {photo.status_code} {photo.text[:200]}"))
            continue
        entra_user = user.json().get("entraObjectId") or user.json()["email"]
        upload = http.put(f"{graph_url}/users/{entra_user}/photo/$value", content=photo.content,
                          headers={"Authorization": f"Bearer {token}",
                                   "Content-Type": photo.headers.get("Content-Type", "image/jpeg")})
        if upload.is_success:
            result.copied += 1
        else:
            result.failed.append((user_id, f"Graph: {upload.status_code} {upload.text[:200]}"))
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: the values come from options or the environment variables named."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument("--emply-url", default=env("EMPLY_URL"), help="…/v1/{customer} [EMPLY_URL]")
    parser.add_argument("--api-key", default=env("EMPLY_API_KEY"), help="[EMPLY_API_KEY]")
    parser.add_argument("--graph-url", default=env("GRAPH_URL", "https://graph.microsoft.com/v1.0"))
    parser.add_argument("--authority", default=env("AUTHORITY"), help="…/{tenant id} [AUTHORITY]")
    parser.add_argument("--client-id", default=env("CLIENT_ID"))
    parser.add_argument("--client-secret", default=env("CLIENT_SECRET"))
    parser.add_argument("--ca-file", default=env("CA_FILE"), help="CA to trust (emply-sim serve)")
    parser.add_argument("user_ids", nargs="*", help="Emply user ids (default: all with a photo)")
    args = parser.parse_args(argv)
    missing = [name for name in ("emply_url", "api_key", "authority", "client_id", "client_secret")
               if not getattr(args, name)]
    if missing:
        parser.error(f"missing: {', '.join('--' + m.replace('_', '-') for m in missing)}")
    result = push_photos(emply_url=args.emply_url.rstrip("/"), api_key=args.api_key,
                         graph_url=args.graph_url.rstrip("/"), authority=args.authority,
                         client_id=args.client_id, client_secret=args.client_secret,
                         user_ids=args.user_ids or None, ca_file=args.ca_file)
    print(f"copied {result.copied} photo(s)")
    for user_id, why in result.skipped:
        print(f"skipped {user_id}: {why}")
    for user_id, why in result.failed:
        print(f"FAILED {user_id}: {why}", file=sys.stderr)
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())

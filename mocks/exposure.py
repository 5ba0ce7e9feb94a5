"""What serving a world beyond this machine changes (issue 15, F8 to F10).

On loopback a scenario's credentials may be predictable: only this machine can use
them, and tests and demos rely on them. Bound to any other address they are a door
anyone on the network can open, so:

* every app registration gets a fresh random client secret (a scenario's secret
  derives from its seed) and every Emply API key a fresh random key (scenarios ship
  ``demo-key``); one new full key is handed to the person serving (F8);
* the certificate names the host as others reach it: its name, fully qualified name
  and addresses (F8);
* files holding secrets (the port file) are readable by their owner only (F10);
* request logs never show secret query parameters (F9, :mod:`mocks.guard`).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from pathlib import Path

from mocks import guard

WILDCARD = ("0.0.0.0", "::", "")
SERVE_KEY_NAME = "emply-sim-serve"


def beyond_loopback(host: str) -> bool:
    """Whether ``host`` lets other machines in (anything but 127.0.0.0/8, ::1, localhost)."""
    return not guard.loopback_host(host if ":" not in host else f"[{host}]")


def fresh_credentials(world) -> str:
    """F8: random secrets for every app and random keys for every Emply API key; returns a
    new key with every permission for the person serving."""
    for app in world.tenant.apps.values():
        app.secret = secrets.token_urlsafe(32)
    emply = world.emply
    with emply.lock:
        for api_key in emply.api_keys.values():
            api_key.key_sha256 = _hash(secrets.token_urlsafe(32))  # nobody knows it now
        name, n = SERVE_KEY_NAME, 2
        while name in emply.api_keys:
            name, n = f"{SERVE_KEY_NAME}-{n}", n + 1
        key = secrets.token_urlsafe(32)
        emply.add_api_key(name, {"read", "write", "settings"}, key)
    return key


def _hash(key: str) -> str:
    from mocks.emply.models import key_hash

    return key_hash(key)


def certificate_names(host: str) -> list[str]:
    """The names and addresses the served certificate must carry: loopback always, and
    beyond loopback the host as other machines reach it (F8)."""
    names = {"127.0.0.1", "localhost", "::1"}
    if host not in WILDCARD:
        names.add(host)
    if beyond_loopback(host):
        for name in {socket.gethostname(), socket.getfqdn()}:
            if name:
                names.add(name.lower())
                names.update(_addresses(name))
    return sorted(names)


def _addresses(name: str) -> set[str]:
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except OSError:
        return set()
    found = set()
    for *_, address in infos:
        try:
            found.add(str(ipaddress.ip_address(address[0].split("%")[0])))
        except ValueError:
            continue
    return found


def write_private(path: Path, text: str) -> None:
    """F10: write ``text`` atomically to a file only its owner can read (0600), so a
    reader polling for it never sees half of it and no other account sees it at all."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when the file was left by an earlier run
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, path)

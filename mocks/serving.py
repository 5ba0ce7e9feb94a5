"""Serve the mock apps over real HTTPS, each on its own free port, for demos and real clients.

One process hosts identity, Graph and Emply over their one shared world, each app on
a cheroot server (a maintained, pure-Python, threaded WSGI server): connections are
kept alive, TLS is terminated by cheroot's adapter over the builtin ``ssl`` module,
TCP_NODELAY is set on the listening socket (accepted sockets inherit it) and a pool
of worker threads serves concurrent clients.

The certificate comes from a throw-away local CA made with ``trustme``; its PEM is
written to a temporary directory (:attr:`ServedWorld.ca_file`) for clients to trust.
Bound to loopback, the ``/_sim/`` API is open; bound to any other address, the world
gets a random ``sim_token`` that every ``/_sim/`` request must carry.

While a world is served, the process's cyclic garbage collector runs under
:class:`GcPolicy` (a world frozen out of collections, a higher gen-0 threshold); the
process gets its own settings back when the last served world stops.
"""

from __future__ import annotations

import email.utils
import gc
import ipaddress
import logging
import secrets
import shutil
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import trustme
from cheroot import makefile, wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from flask import Flask

from mocks import exposure
from mocks.guard import redact
from mocks.inprocess import emply_app

_WILDCARD = ("0.0.0.0", "::", "")
# Worker threads per app. Idle keep-alive connections wait in cheroot's selector, not in a
# thread, so a few threads serve many connections; more threads than that only fight over
# the GIL (wrk -c16 on GET /users?$top=100 over TLS, this 2-core machine: 16 threads
# 250-275 req/s, 4 threads 305-470 req/s, 2 threads 305-380 req/s). Four also match the
# sync's at most four requests in flight, which an injected latency holds in a thread.
THREADS = 4
# Idle keep-alive connections each app keeps open (cheroot's default is 10: from the 11th
# client on, every response said ``Connection: close`` and the next request paid a new TCP
# connection and TLS handshake; wrk -c16 over TLS on a fixed body: 660 -> 1,640 req/s).
# They wait in the selector, cost no thread, and still expire after cheroot's timeout.
KEEP_ALIVE_LIMIT = 256
LOG = logging.getLogger(__name__)

# Collect young objects after this many net allocations of containers instead of
# Python's 700 (see GcPolicy for the measurements).
GC_THRESHOLD = (20_000, 20, 10)


class GcPolicy:
    """The cyclic garbage collector's settings while worlds are served (process-wide).

    A served world is a server's heap: tens of thousands of users, groups, calendars,
    photos made once and kept until the next load, each a container the collector
    walks again in every older-generation pass that reaches it. Measured at 10k users
    (``/work/notes/prof/gctime.py``, mock and sync in one process) with Python's
    defaults, a full sync spent 1.4-1.8 s of 22-28 s in collections (four of them full
    ones of about 0.2 s each), and a no-change run that met a full collection paid
    0.24-0.31 s of its 0.5 s for it. So, while at least one world is served:

    * after a world is built or loaded (:meth:`settle`): unfreeze, collect once, and
      ``gc.freeze()`` what is alive: later passes skip the world. Unfreezing first
      lets the collection free the world a load replaced; nothing frozen stays
      frozen across a load.
    * gen-0 collections every :data:`GC_THRESHOLD` allocations instead of 700: far
      fewer passes over the same young objects while requests are served.

    With both, the same full sync spent 0.45-0.46 s in 16 young collections and no
    older one (gctime.py; 1.6-1.7 s with the defaults in the same session), and no
    no-change run met a collection. Freezing with Python's threshold was worse: the
    sync's own long-lived objects, counted against a smaller base, brought six full
    collections. A gen-0 threshold of 50,000 saved little more than 20,000 (0.55 s
    against 0.64-0.68 s of collector CPU in a full sync).

    In-process worlds (tests, the demo) are left alone: the suite loads about 2,000
    worlds and would pay a full collection for each. Settings are reference-counted:
    the first served world applies them, the last to stop restores the threshold and
    unfreezes. A process that froze objects itself keeps its frozen set untouched
    (freezing is then left to it), and a threshold it changed meanwhile is kept.
    """

    def __init__(self, threshold: tuple[int, int, int] = GC_THRESHOLD) -> None:
        self.threshold = threshold
        self._lock = threading.Lock()
        self._users = 0
        self._saved: tuple[int, ...] | None = None
        self._applied: tuple[int, ...] | None = None
        self._freezing = False

    def acquire(self) -> None:
        """A world starts being served: apply the settings (first one) and settle."""
        with self._lock:
            if self._users == 0:
                self._saved = gc.get_threshold()
                self._freezing = gc.get_freeze_count() == 0  # never thaw another's freeze
                if self._saved[0]:  # 0: automatic collection was turned off; keep it so
                    # never more often than the process asked for
                    applied = tuple(max(a, b) for a, b in zip(self.threshold, self._saved, strict=True))
                    gc.set_threshold(*applied)
                self._applied = gc.get_threshold()
            self._users += 1
            self._settle()

    def settle(self) -> None:
        """A served world was built, reset or loaded: free the old one, freeze the new."""
        with self._lock:
            if self._users:
                self._settle()

    def _settle(self) -> None:
        if self._freezing:
            gc.unfreeze()
            gc.collect()
            gc.freeze()

    def release(self) -> None:
        """A world stops being served; the last one gives the process its settings back."""
        with self._lock:
            if self._users == 0:
                return
            self._users -= 1
            if self._users:
                return
            if self._freezing:
                gc.unfreeze()  # what was frozen is collectable again (oldest generation)
                self._freezing = False
            if self._saved is not None and gc.get_threshold() == self._applied:
                gc.set_threshold(*self._saved)
            self._saved = self._applied = None


GC_POLICY = GcPolicy()


class LineReader(makefile.StreamReader):
    """cheroot's socket reader (pure-Python ``_pyio`` buffering, by cheroot's choice) with a
    C-speed ``readline`` when the line is already in its buffer, as request and header
    lines nearly always are: one ``bytes.find`` and a slice instead of ``_pyio``'s
    peek-and-read loop (14 % of a served page's CPU). Anything else goes the usual way."""

    def readline(self, size: int | None = -1) -> bytes:
        buf, pos = self._read_buf, self._read_pos
        end = buf.find(b"\n", pos) + 1
        if not end or (size is not None and 0 <= size < end - pos):
            return super().readline(size)
        self._read_pos = end
        self.bytes_read += end - pos  # as StreamReader.read counts what it hands out
        return buf[pos:end]


class _SSLAdapter(BuiltinSSLAdapter):
    """cheroot's TLS adapter, reading requests through :class:`LineReader`."""

    def makefile(self, sock, mode="r", bufsize=makefile.io.DEFAULT_BUFFER_SIZE):
        if "r" in mode:
            return LineReader(sock, mode, bufsize)
        return super().makefile(sock, mode, bufsize)


_DATE: tuple[int, bytes] = (0, b"")  # the Date header of the current second


def http_date() -> bytes:
    """``Date`` (RFC 9110's IMF-fixdate) for now, formatted once a second rather than
    once a response (cheroot's ``formatdate`` was 4 % of a served page's CPU)."""
    global _DATE
    now = int(time.time())
    if _DATE[0] != now:
        _DATE = (now, email.utils.formatdate(now, usegmt=True).encode("ascii"))
    return _DATE[1]


class _Gateway(wsgi.Gateway_10):
    """cheroot's WSGI 1.0 gateway, also handing the app the client's socket: a Graph fault
    that drops the connection shuts it (as werkzeug's ``werkzeug.socket`` allowed)."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["werkzeug.socket"] = self.req.conn.socket
        return environ

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info=None):
        write = super().start_response(status, headers, exc_info)
        if not any(k.lower() == "date" for k, _ in headers):
            self.req.outheaders.append((b"Date", http_date()))
        return write

    def write(self, chunk: bytes) -> None:
        """The first piece of a response leaves with its headers in one socket write: one
        run of TLS records and one system call instead of two (cheroot's writer flushes
        at every write)."""
        wfile = self.req.conn.wfile
        if self.req.sent_headers or not chunk or "write" in vars(wfile):
            super().write(chunk)
            return
        held: list[bytes] = []
        wfile.write = held.append  # what cheroot writes now (headers, then the chunk) is held
        try:
            super().write(chunk)
        finally:
            del wfile.write
            if held:
                wfile.write(b"".join(held))


class _Server(wsgi.Server):
    """cheroot's server with its messages (peers dropping connections, ...) in ``logging``
    and room for :data:`KEEP_ALIVE_LIMIT` idle keep-alive connections."""

    keep_alive_conn_limit = KEEP_ALIVE_LIMIT

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # a peer that went away: not our error
            level = logging.DEBUG
        LOG.log(level, "%s", msg, exc_info=traceback)


class Listener:
    """One app served by cheroot from its own thread; ``server_address`` as socketserver has it."""

    def __init__(self, name: str, host: str, app: Callable, ssl_adapter: BuiltinSSLAdapter,
                 log: bool) -> None:
        self.name = name
        self.server = _Server((host, 0), _access_log(app, name) if log else app,
                                  numthreads=THREADS, server_name=f"emply-sim-{name}",
                                  shutdown_timeout=1)
        self.server.gateway = _Gateway
        self.server.ssl_adapter = ssl_adapter
        self.server.prepare()  # binds now: an address that cannot be bound fails here
        self.thread = threading.Thread(target=self.server.serve, name=f"served-{name}",
                                       daemon=True)

    @property
    def server_address(self) -> tuple[str, int]:
        return tuple(self.server.bind_addr[:2])  # type: ignore[return-value]

    @property
    def server_port(self) -> int:
        return int(self.server.bind_addr[1])

    def stop(self) -> None:
        self.server.stop()


def _access_log(app: Callable, name: str) -> Callable:
    """WSGI middleware that logs each request to stderr (``emply-sim serve --log-requests``)."""

    def logged(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list, exc_info: Any = None) -> Any:
            query = environ.get("QUERY_STRING")
            # F9: a secret in the query string (simToken, client_secret, apiKey...) is never shown
            path = redact(environ.get("PATH_INFO", "") + (f"?{query}" if query else ""))
            stamp = time.strftime("%d/%b/%Y %H:%M:%S")
            print(f"{environ.get('REMOTE_ADDR', '-')} - - [{stamp}] {name} "
                  f"\"{environ.get('REQUEST_METHOD')} {path}\" {status.split(' ', 1)[0]}",
                  file=sys.stderr, flush=True)
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return logged


class ServedWorld:
    """The identity, Graph and (when present) Emply apps of one world, served with HTTPS.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. After start:
    ``identity_url``, ``authority``, ``graph_url`` (ending ``/v1.0``), ``emply_url``
    (None without the Emply app) and ``ca_file``.
    """

    def __init__(self, world, host: str = "127.0.0.1", quiet: bool = True,
                 store_path: str = ":memory:") -> None:
        self.world = world
        self.host = host
        self.quiet = quiet
        self.store_path = store_path  # the hosted sync core's SQLite file
        self.sync_host = None
        self.identity_url: str | None = None
        self.graph_url: str | None = None
        self.emply_url: str | None = None
        self.ca_file: str | None = None
        self.sim_token: str | None = None
        self._servers: dict[str, Listener] = {}
        self._tmpdir: str | None = None
        self._made_token = False
        self._gc = False  # whether this served world holds GC_POLICY

    @property
    def authority(self) -> str:
        """The MSAL authority of the served tenant: ``{identity_url}/{tenant id}``."""
        if self.identity_url is None:
            raise RuntimeError("the world is not being served; call start() first")
        return f"{self.identity_url}/{self.world.tenant.id}"

    @property
    def running(self) -> bool:
        return bool(self._servers)

    def start(self) -> ServedWorld:
        """Listen on a free port per app and serve each from its own thread."""
        if self._servers:
            raise RuntimeError("already serving")
        if not is_loopback(self.host) and not self.world.sim_token:
            self.world.sim_token = secrets.token_urlsafe(24)
            self._made_token = True
        self.sim_token = self.world.sim_token
        url_host = "127.0.0.1" if self.host in _WILDCARD else self.host
        ca = trustme.CA()
        cert = ca.issue_cert(*exposure.certificate_names(self.host))  # names the host (F8)
        self._tmpdir = tempfile.mkdtemp(prefix="emply-sim-ca-")
        ca_path = Path(self._tmpdir) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        self.ca_file = str(ca_path)
        key_path, chain_path = Path(self._tmpdir) / "key.pem", Path(self._tmpdir) / "cert.pem"
        cert.private_key_pem.write_to_path(str(key_path))
        cert.cert_chain_pems[0].write_to_path(str(chain_path))
        for blob in cert.cert_chain_pems[1:]:
            blob.write_to_path(str(chain_path), append=True)
        adapter = _SSLAdapter(str(chain_path), str(key_path))

        from mocks.graph.app import create_app as create_graph
        from mocks.identity.app import create_app as create_identity

        apps: dict[str, Flask | None] = {"identity": create_identity(self.world),
                                         "graph": create_graph(self.world),
                                         "emply": emply_app(self.world)}
        try:
            for name, app in apps.items():
                if app is None:
                    continue
                listener = Listener(name, self.host, app, adapter, log=not self.quiet)
                self._servers[name] = listener
                listener.thread.start()
        except BaseException:
            self.stop()
            raise
        origin = {name: f"https://{_url_host(url_host)}:{server.server_port}"
                  for name, server in self._servers.items()}
        self.identity_url = origin["identity"]
        self.graph_url = f"{origin['graph']}/v1.0"
        self.emply_url = origin.get("emply")
        if apps["emply"] is not None:  # Emply hosts the sync core, reaching Graph over HTTPS
            from mocks.emply.hosting import served_host

            self.sync_host = served_host(self.world, self.ca_file, self.graph_url,
                                         self.identity_url, store_path=self.store_path)
            apps["emply"].config["SYNC_HOST"] = self.sync_host
        # After the hosted sync core's listener: by then a load's old world and the engine
        # built over it are dropped, so the collection frees them before freezing the new.
        self.world.on_replace(self._settle_gc)
        GC_POLICY.acquire()
        self._gc = True
        return self

    def _settle_gc(self, _world) -> None:
        GC_POLICY.settle()

    def stop(self) -> None:
        """Shut every server down, free its port and remove the CA file."""
        if self.sync_host is not None:
            self.sync_host.close()
            self.sync_host = None
        for listener in self._servers.values():
            listener.stop()
        for listener in self._servers.values():
            listener.thread.join(timeout=5)
        self._servers.clear()
        self.world.off_replace(self._settle_gc)
        if self._gc:
            self._gc = False
            GC_POLICY.release()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        self.identity_url = self.graph_url = self.emply_url = self.ca_file = None
        if self._made_token:  # the control API is open again once nothing is served remotely
            self.world.sim_token = self.sim_token = None
            self._made_token = False

    def ssl_context(self) -> ssl.SSLContext:
        """A client SSL context trusting the served certificate (for ``httpx.Client(verify=...)``)."""
        if self.ca_file is None:
            raise RuntimeError("the world is not being served; call start() first")
        return ssl.create_default_context(cafile=self.ca_file)

    def ports(self) -> dict[str, int]:
        """The port each app listens on, by name (identity, graph, emply)."""
        return {name: server.server_port for name, server in self._servers.items()}

    def __enter__(self) -> ServedWorld:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: addresses only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

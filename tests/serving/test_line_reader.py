"""The served world's request reader gives exactly what cheroot's own reader gives:
lines, partial lines under a size limit, lines longer than its buffer, and the byte
count cheroot keeps (it checks request sizes with it)."""

from __future__ import annotations

import socket
import threading

import pytest
from cheroot import makefile

from mocks.serving import LineReader

REQUEST = (b"GET /v1.0/users?$top=100 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Authorization: Bearer " + b"x" * 1500 + b"\r\n"
           b"X-Long: " + b"y" * 20000 + b"\r\n\r\n"  # longer than the 8 KiB buffer
           b"POST /v1.0/$batch HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
           b"no newline at the end")


def answers(reader_class, data: bytes, calls: list[tuple[str, int | None]]):
    ours, theirs = socket.socketpair()
    sender = threading.Thread(target=lambda: (theirs.sendall(data), theirs.close()))
    sender.start()
    reader = reader_class(ours, "rb", 8192)
    got = []
    for name, size in calls:
        got.append(reader.readline(size) if name == "readline" else reader.read(size))
        got.append((reader.bytes_read, reader.has_data()))
    sender.join()
    reader.close()
    ours.close()
    return got


@pytest.mark.parametrize("size", [None, -1, 256, 40, 1, 0])
def test_line_reader_reads_as_cheroots_reader_does(size):
    calls = [("readline", size)] * 40 + [("read", 3), ("readline", size), ("readline", None),
                                         ("readline", None)]
    assert answers(LineReader, REQUEST, calls) == answers(makefile.StreamReader, REQUEST, calls)

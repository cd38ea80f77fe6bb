"""Virus scanning with ClamAV's daemon over its INSTREAM protocol.

We speak the protocol directly (a dozen lines): the PyPI clients (``clamd`` 1.0.2 from 2020, ``pyclamd``
from 2017) are unmaintained, and ``clamd`` still imports pkg_resources. The file is streamed in chunks, so
a 20 MB upload is never held in memory. A scanner that cannot be reached, or that answers an error,
refuses the upload (fail closed): an administrator who configured scanning expects every file scanned.
"""
from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import IO

CHUNK = 256 * 1024


class ScanFailed(Exception):
    """clamd could not be reached or could not scan the file."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one scan: ``signature`` names what was found (None: clean)."""

    signature: str | None

    @property
    def is_infected(self) -> bool:
        """True when clamd reported a signature."""
        return self.signature is not None


def _connect(address: str, timeout: float) -> socket.socket:
    """A socket to clamd: a path is a Unix socket, ``host:port`` a TCP address."""
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: object = address
    else:
        host, _, port = address.rpartition(":")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        target = (host.strip("[]") or "127.0.0.1", int(port))
    sock.settimeout(timeout)
    try:
        sock.connect(target)
    except OSError:
        sock.close()
        raise
    return sock


def scan(stream: IO[bytes], address: str, timeout: float = 30.0) -> Verdict:
    """Scan *stream* from its start with the clamd at *address*; raise ScanFailed when it cannot."""
    stream.seek(0)
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except (OSError, ValueError) as exc:
        raise ScanFailed(f"clamd at {address} unreachable: {exc}") from exc
    finally:
        stream.seek(0)
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith(" FOUND"):
        return Verdict(text.removeprefix("stream:").removesuffix(" FOUND").strip())
    if text.endswith(" OK"):
        return Verdict(None)
    raise ScanFailed(f"clamd answered {text!r}")

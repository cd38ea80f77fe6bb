"""Where the bytes of supporting documents live: a private directory, or an S3-compatible bucket.

Either way the name is random (``secrets.token_hex``), never the official's file name, and nothing is
reachable without the app: the directory is outside ``static/`` and the files are 0600; the bucket is
read with the app's credentials only. Files are copied in chunks, never read whole into memory.
"""
from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import IO, Protocol

from flask import current_app

CHUNK = 1024 * 1024


class Storage(Protocol):
    """The operations the app needs from a backend."""

    def save(self, key: str, stream: IO[bytes]) -> None:
        """Store *stream* (read from its current position to the end) under *key*."""

    def open(self, key: str) -> IO[bytes]:
        """A readable stream of the bytes stored under *key* (the caller closes it)."""

    def delete(self, key: str) -> None:
        """Remove *key*; a missing key is not an error."""


def new_key() -> str:
    """A fresh random storage key (128 bits: never guessed, never derived from a name)."""
    return secrets.token_hex(16)


class LocalStorage:
    """Files in one directory, each readable and writable by the app's user only."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("storage keys are hexadecimal")
        return self.directory / key

    def save(self, key: str, stream: IO[bytes]) -> None:
        """Write to a new 0600 file (O_EXCL: never over another file)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self._path(key), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as target:
                shutil.copyfileobj(stream, target, CHUNK)
        except BaseException:
            self._path(key).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> IO[bytes]:
        """The stored file, opened for reading."""
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        """Unlink the file."""
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph); credentials from boto3's usual chain."""

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None) -> None:
        import boto3  # imported only when the bucket is configured

        self.bucket = bucket
        self.prefix = prefix
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def save(self, key: str, stream: IO[bytes]) -> None:
        """Upload in parts (boto3's managed transfer reads the stream in 8 MB chunks)."""
        self.client.upload_fileobj(stream, self.bucket, self.prefix + key)

    def open(self, key: str) -> IO[bytes]:
        """The object's body, streamed as it is read."""
        return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"]

    def delete(self, key: str) -> None:
        """Delete the object (S3 answers success for a missing one too)."""
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)


def storage(config=None) -> Storage:
    """The backend the configuration names: the bucket when ``SURVEY_EVIDENCE_S3_BUCKET`` is set, else
    the directory ``SURVEY_EVIDENCE_DIR``. One per app (boto3 clients are thread-safe and slow to make)."""
    app = current_app._get_current_object() if config is None else None
    config = config if config is not None else app.config
    if app is not None and "survey_evidence_storage" in app.extensions:
        return app.extensions["survey_evidence_storage"]
    if config.get("SURVEY_EVIDENCE_S3_BUCKET"):
        backend: Storage = S3Storage(config["SURVEY_EVIDENCE_S3_BUCKET"],
                                     prefix=config.get("SURVEY_EVIDENCE_S3_PREFIX") or "",
                                     endpoint_url=config.get("SURVEY_EVIDENCE_S3_ENDPOINT_URL") or None,
                                     region=config.get("SURVEY_EVIDENCE_S3_REGION") or None)
    else:
        backend = LocalStorage(config["SURVEY_EVIDENCE_DIR"])
    if app is not None:
        app.extensions["survey_evidence_storage"] = backend
    return backend

"""Evidence in an S3-compatible bucket: moto's S3 server on a loopback port stands in for the bucket.

An official attaches an ordinance, its bytes land in the bucket under the prefix (nothing in the local
directory), staff of the region download it as an attachment, and removing it deletes the object.
"""
from __future__ import annotations

import os
import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer

from survey.evidence.storage import S3Storage
from tests.evidence_support import evidence_document, pdf_bytes
from tests.factories import login_as, make_invitation, make_round, publish_document
from tests.test_evidence import attach, fetch, files_of
from tests.test_scopes import coordinator

pytestmark = pytest.mark.slow

#: where the app keeps its storage backend (made once per app)
BACKEND = "survey_evidence_storage"
BUCKET = "evidencias-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 API in server mode, on a free loopback port, for the module."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(app, s3_endpoint, monkeypatch):
    """A fresh bucket and the app configured for it; the app's backend is put back afterwards."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings = {"SURVEY_EVIDENCE_S3_BUCKET": BUCKET, "SURVEY_EVIDENCE_S3_PREFIX": "evidencias/",
                "SURVEY_EVIDENCE_S3_ENDPOINT_URL": s3_endpoint, "SURVEY_EVIDENCE_S3_REGION": "us-east-1"}
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    previous = app.extensions.pop(BACKEND, None)
    try:
        yield client
    finally:
        app.extensions.pop(BACKEND, None)
        if previous is not None:
            app.extensions[BACKEND] = previous
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
        client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def official(db_session):
    invitation, token = make_invitation(make_round(publish_document(evidence_document())), region="cusco")
    db_session.commit()
    return invitation, token


def keys_in(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_an_ordinance_goes_to_the_bucket_comes_back_as_an_attachment_and_is_removed(app, client, official, bucket):
    invitation, token = official
    local = app.config["SURVEY_EVIDENCE_DIR"]
    before = set(os.listdir(local)) if os.path.isdir(local) else set()
    assert attach(client, token, "has_plan", pdf_bytes(), "Ordenanza 012.pdf").status_code == 303
    (ordinance,) = files_of(invitation)
    assert isinstance(app.extensions[BACKEND], S3Storage)
    assert keys_in(bucket) == [f"evidencias/{ordinance.stored_key}"]
    assert bucket.get_object(Bucket=BUCKET, Key=f"evidencias/{ordinance.stored_key}")["Body"].read() == pdf_bytes()
    assert (set(os.listdir(local)) if os.path.isdir(local) else set()) == before

    login_as(client, coordinator("cusco"))
    download = fetch(client, ordinance.id)
    assert download.status_code == 200 and download.data == pdf_bytes()
    assert download.headers["Content-Disposition"] == "attachment; filename=Ordenanza_012.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert int(download.headers["Content-Length"]) == len(pdf_bytes())

    assert client.post(f"/r/{token}/s/gov/evidence/{ordinance.id}/remove").status_code == 303
    assert files_of(invitation) == [] and keys_in(bucket) == []

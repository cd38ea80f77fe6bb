"""Exports end to end: request in the browser, the task builds, progress, download (audited), expiry, CLI."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey import jobs
from survey.extensions import db
from survey.models import AuditEvent, Export
from survey.models._types import utcnow
from survey.services import exports as export_service
from tests.factories import (
    export_document,
    login_as,
    make_invitation,
    make_response,
    make_round,
    make_user,
    publish_document,
)
from workers.exports import build_export


def use_memory_broker(app) -> None:
    celery = app.extensions["celery"]
    celery.conf.broker_url = "memory://"
    celery.conf.broker_transport_options = {}


def queued_tasks(app) -> list[tuple[str, list]]:
    """Drain the in-memory broker: (task name, args) of every message sent."""
    found = []
    with app.extensions["celery"].connection_for_read() as conn:
        queue = conn.SimpleQueue("celery")
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            found.append((message.headers["task"], message.payload[0]))
            message.ack()
        queue.close()
    return found


def actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def round_with_answers(app, db_session, tmp_path):
    app.config["SURVEY_EXPORT_DIR"] = str(tmp_path / "exports")
    use_memory_broker(app)
    queued_tasks(app)
    round_ = make_round(publish_document(export_document()), title="Informe 2026")
    for staff in (2, 8):
        invitation, _ = make_invitation(round_, institution="pnp", region="cusco")
        make_response(invitation, {"has_plan": True, "staff": staff, "notes": "=1+1"})
    return round_


def test_request_build_follow_and_download(app, client, round_with_answers):
    round_ = round_with_answers
    analyst = make_user("analyst")
    login_as(client, analyst)
    page = client.get(f"/results/rounds/{round_.id}/exports")
    assert page.status_code == 200 and "Todavía no se ha solicitado" in page.text

    answer = client.post(f"/results/rounds/{round_.id}/exports", data={"lang": "es", "compare": "0"})
    assert answer.status_code == 303
    export = db.session.scalars(select(Export)).one()
    assert answer.headers["Location"].endswith(f"/results/exports/{export.id}")
    assert (export.status, export.lang, export.requested_by_id) == ("queued", "es", analyst.id)
    assert queued_tasks(app) == [(jobs.BUILD_EXPORT, [export.id])]
    assert [e.object_id for e in actions("export.request")] == [str(export.id)]

    progress = client.get(f"/results/exports/{export.id}")
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in progress.text
    assert 'value="0"' in progress.text and "exports.js" in progress.text
    assert client.get(f"/results/exports/{export.id}/status").json["status"] == "queued"

    build_export.run(export.id)  # the task body, as the worker runs it

    db.session.refresh(export)
    assert (export.status, export.rows_done, export.rows_total, export.percent) == ("ready", 2, 2, 100)
    assert Path(export.file_path).parent == Path(app.config["SURVEY_EXPORT_DIR"])
    expected_ttl = timedelta(hours=app.config["SURVEY_EXPORT_TTL_HOURS"])
    assert export.expires_at - export.finished_at == expected_ttl
    status = client.get(f"/results/exports/{export.id}/status").json
    assert status["status"] == "ready" and status["download_url"].endswith("/download")
    done = client.get(f"/results/exports/{export.id}")
    assert "<noscript>" not in done.text and "Descargar el libro" in done.text

    listing = client.get(f"/results/rounds/{round_.id}/exports")
    assert "Listo" in listing.text and "analyst tester" in listing.text

    download = client.get(f"/results/exports/{export.id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in download.headers["Content-Disposition"]
    # The file name carries the time the list shows (Lima), not UTC.
    lima = export.created_at.astimezone(ZoneInfo("America/Lima")).strftime("%Y%m%d-%H%M")
    assert f"filename=ronda-{round_.id}-es-{lima}.xlsx" in download.headers["Content-Disposition"]
    wb = load_workbook(BytesIO(download.data))
    download.close()
    assert "Respuestas" in wb.sheetnames and wb["Respuestas"].max_row == 3
    (event,) = actions("export.download")
    assert (event.object_id, event.actor_id) == (str(export.id), analyst.id)


def test_an_export_that_fails_says_why(app, db_session, round_with_answers, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.config["SURVEY_EXPORT_DIR"] = str(blocker)
    export = export_service.request(round_with_answers, None, lang="en")
    db.session.commit()
    export_service.run(export.id, checkpoint=db.session.commit)
    db.session.refresh(export)
    assert export.status == "failed" and export.file_path == ""
    assert "Error" in export.error and export.finished_at is not None
    # A redelivered task leaves a finished export alone.
    assert export_service.run(export.id, checkpoint=db.session.commit) is None


def test_expired_exports_lose_their_file(app, client, round_with_answers):
    login_as(client, make_user("editor"))
    export = export_service.request(round_with_answers, None)
    db.session.commit()
    export_service.run(export.id, checkpoint=db.session.commit)
    path = Path(export.file_path)
    assert path.is_file()
    assert export_service.expire(utcnow() + timedelta(hours=1)) == 0
    assert export_service.expire(export.expires_at + timedelta(seconds=1)) == 1
    assert export.status == "expired" and not path.exists() and export.file_path == ""
    answer = client.get(f"/results/exports/{export.id}/download")
    assert answer.status_code == 303 and not actions("export.download")


def test_export_pages_are_for_staff_only(client, round_with_answers, csrf_enabled):
    round_ = round_with_answers
    urls = [f"/results/rounds/{round_.id}", f"/results/rounds/{round_.id}/exports"]
    for url in urls:
        assert client.get(url).status_code == 302
    assert client.post(urls[1], data={"lang": "es"}).status_code in (302, 400)
    login_as(client, make_user("analyst"))
    assert client.post(urls[1], data={"lang": "es", "compare": "0"}).status_code == 400
    assert db.session.scalars(select(Export)).all() == []
    assert client.get("/results/exports/999999").status_code == 404


def test_cli_export_in_english(runner, round_with_answers, tmp_path):
    target = tmp_path / "out" / "ronda.xlsx"
    target.parent.mkdir()
    result = runner.invoke(args=["round", "export", str(round_with_answers.id), "-o", str(target), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "2 responses" in result.output
    wb = load_workbook(target)
    assert wb.sheetnames[0] == "Summary" and "Responses (codes)" in wb.sheetnames
    assert wb["Responses"]["A1"].value == "Response ID"
    (event,) = actions("export.download")
    assert event.actor == "cli" and event.details["lang"] == "en"
    bad = runner.invoke(args=["round", "export", "999999", "-o", str(target)])
    assert bad.exit_code != 0 and "round 999999 does not exist" in bad.output


def test_the_build_task_is_registered_by_name():
    assert build_export.name == jobs.BUILD_EXPORT == "exports.build"


def test_a_closed_round_reuses_its_final_workbook(app, client, round_with_answers):
    round_ = round_with_answers
    login_as(client, make_user("analyst"))
    url = f"/results/rounds/{round_.id}/exports"
    client.post(url, data={"lang": "es", "compare": "0"})
    client.post(url, data={"lang": "es", "compare": "0"})
    assert len(export_service.for_round(round_.id)) == 2  # open round: answers may still arrive

    round_.status, round_.closed_at = "closed", utcnow()
    db.session.commit()
    first = client.post(url, data={"lang": "es", "compare": "0"})
    export = export_service.for_round(round_.id)[0]
    export_service.run(export.id, checkpoint=db.session.commit)
    again = client.post(url, data={"lang": "es", "compare": "0"})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    english = client.post(url, data={"lang": "en", "compare": "0"})
    assert english.headers["Location"] != first.headers["Location"]
    assert len(export_service.for_round(round_.id)) == 4


def test_a_file_past_its_expiry_shows_as_expired_before_the_hourly_clean_up(app, client, round_with_answers):
    login_as(client, make_user("analyst"))
    export = export_service.request(round_with_answers, None)
    db.session.commit()
    export_service.run(export.id, checkpoint=db.session.commit)
    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    listing = client.get(f"/results/rounds/{round_with_answers.id}/exports")
    assert "Caducado" in listing.text and f"/results/exports/{export.id}/download" not in listing.text
    assert client.get(f"/results/exports/{export.id}/status").json["status"] == "expired"
    assert client.get(f"/results/exports/{export.id}/download").status_code == 303
    # Reading pages changes nothing: the file goes with exports.expire, the task that owns it.
    db.session.refresh(export)
    assert export.status == "ready" and Path(export.file_path).is_file()
    assert export_service.expire() == 1


def test_a_second_task_of_one_export_does_not_build_it_again(app, round_with_answers):
    export = export_service.request(round_with_answers, None)
    db.session.commit()
    second_runs = []

    def checkpoint():
        db.session.commit()
        if not second_runs:  # the sweep queued it again while this task builds it
            second_runs.append(export_service.run(export.id, checkpoint=db.session.commit))

    built = export_service.run(export.id, checkpoint=checkpoint)
    assert second_runs == [None]
    assert built.status == "ready" and Path(built.file_path).is_file()
    assert [p.name for p in export_service.export_dir().iterdir()] == [Path(built.file_path).name]


def test_a_run_that_lost_its_export_to_a_newer_run_keeps_nothing(app, round_with_answers):
    export = export_service.request(round_with_answers, None)
    db.session.commit()
    taken_over = utcnow() + timedelta(minutes=10)

    def checkpoint():
        db.session.commit()
        if db.session.get(Export, export.id).rows_total:  # a page written: the worker is "stalled" now
            db.session.execute(Export.__table__.update().where(Export.id == export.id).values(started_at=taken_over))
            db.session.commit()

    export_service.run(export.id, checkpoint=checkpoint)
    db.session.expire_all()
    row = db.session.get(Export, export.id)
    assert row.status == "running" and row.file_path == ""  # the newer run will record its own file
    assert list(export_service.export_dir().iterdir()) == []


def test_the_sweep_queues_again_an_export_whose_task_was_lost(app, round_with_answers):
    export = export_service.request(round_with_answers, None)
    db.session.commit()
    now = utcnow()
    assert export_service.requeue_stale(now + timedelta(minutes=1)) == []  # still waiting in the queue
    assert export_service.requeue_stale(now + timedelta(minutes=3)) == [export.id]
    assert export_service.requeue_stale(now + timedelta(minutes=4)) == []  # touched: asked again later
    # A builder that died mid-way: no page for five minutes; back to queued for the new task.
    export_service.run(export.id, checkpoint=lambda: None)
    db.session.execute(Export.__table__.update().where(Export.id == export.id)
                       .values(status="running", file_path="", heartbeat_at=now))
    db.session.commit()
    assert export_service.requeue_stale(now + timedelta(minutes=4)) == []
    assert export_service.requeue_stale(now + timedelta(minutes=6)) == [export.id]
    db.session.expire_all()
    assert db.session.get(Export, export.id).status == "queued"
    rebuilt = export_service.run(export.id, checkpoint=db.session.commit)
    assert rebuilt.status == "ready"

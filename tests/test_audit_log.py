"""The append-only audit log: what is recorded, how admins read and filter it, and that it cannot change."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from survey.extensions import limiter
from survey.models import AuditEvent
from tests.factories import login_as, login_through_form, make_user, use_fast_password_hashing


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


def add_event(db_session, action: str, *, at: datetime, actor: str = "someone@example.org",
              object_type: str = "", object_id: str = "", **details) -> AuditEvent:
    event = AuditEvent(action=action, at=at, actor=actor, object_type=object_type, object_id=object_id,
                       ip="198.51.100.4", details=details)
    db_session.add(event)
    db_session.flush()
    return event


def shown_actions(response) -> list[str]:
    """The action column of the audit table, top to bottom."""
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [cells[1] for cells in (re.findall(r"<td>(.*?)</td>", row, re.S) for row in body.split("<tr>")[1:])]


@pytest.fixture
def admin_client(client, db_session):
    login_as(client, make_user("admin", "auditora@example.org"))
    return client


def test_every_staff_account_action_is_recorded_with_who_what_and_where(app, client, db_session):
    admin = make_user("admin", "jefa@example.org")
    login_through_form(client, admin.email, "wrong password!", REMOTE_ADDR="203.0.113.9")
    login_through_form(client, admin.email, REMOTE_ADDR="203.0.113.9")
    client.post("/admin/users/new", data={"email": "nueva@example.org", "role": "editor",
                                          "password": "temporary secret"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    new = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create")).object_id
    for path, data in ((f"/admin/users/{new}/role", {"role": "analyst"}),
                       (f"/admin/users/{new}/password", {"password": "another secret", "confirm": "another secret"}),
                       (f"/admin/users/{new}/deactivate", {}),
                       (f"/admin/users/{new}/reactivate", {})):
        assert client.post(path, data=data, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 302
    client.post("/logout", environ_base={"REMOTE_ADDR": "203.0.113.9"})

    events = list(db_session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["login.failed", "login.success", "user.create", "user.role", "user.password",
                                         "user.deactivate", "user.reactivate", "logout"]
    assert all(e.ip == "203.0.113.9" and e.at is not None for e in events)
    assert all(e.actor == admin.email for e in events[1:])
    assert [e.object_id for e in events[2:7]] == [new] * 5
    assert events[0].details["email"] == admin.email
    assert not any("secret" in str(e.details) or "wrong password" in str(e.details) for e in events)


def test_admin_reads_the_log_newest_first(admin_client, db_session):
    add_event(db_session, "questionnaire.publish", at=datetime(2026, 3, 1, 15, tzinfo=UTC),
              object_type="questionnaireversion", object_id="7", number=2)
    add_event(db_session, "login.failed", at=datetime(2026, 3, 2, 15, tzinfo=UTC), actor="anonymous",
              email='<img src=x onerror=alert(1)>')

    page = admin_client.get("/admin/audit")

    assert page.status_code == 200
    assert shown_actions(page)[:2] == ["login.failed", "questionnaire.publish"]
    assert "02/03/2026 10:00" in page.text  # Lima time
    assert "questionnaireversion 7" in page.text and "198.51.100.4" in page.text
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_filters_by_action_family_actor_object_and_lima_dates(admin_client, db_session):
    utc = UTC
    add_event(db_session, "login.failed", at=datetime(2026, 1, 10, 12, tzinfo=utc), actor="anonymous")
    add_event(db_session, "login.success", at=datetime(2026, 1, 11, 12, tzinfo=utc), actor="Ana@example.org")
    add_event(db_session, "user.role", at=datetime(2026, 1, 12, 12, tzinfo=utc), actor="ana@example.org",
              object_type="user", object_id="5")
    add_event(db_session, "user.role", at=datetime(2026, 1, 13, 12, tzinfo=utc), actor="luis@example.org",
              object_type="user", object_id="6")
    # 03:00 UTC on the 14th is still the 13th in Lima (UTC-5)
    add_event(db_session, "user.deactivate", at=datetime(2026, 1, 14, 3, tzinfo=utc), actor="luis@example.org",
              object_type="user", object_id="6")

    def actions(**query):
        response = admin_client.get("/admin/audit", query_string=query)
        assert response.status_code == 200
        return shown_actions(response)

    assert actions(action="user.role") == ["user.role", "user.role"]
    assert actions(action="login.*") == ["login.success", "login.failed"]
    assert actions(actor="ANA@") == ["user.role", "login.success"]
    assert actions(actor="%") == []
    assert actions(object_type="user", object_id="6") == ["user.deactivate", "user.role"]
    assert actions(since="2026-01-11", until="2026-01-12") == ["user.role", "login.success"]
    assert actions(since="2026-01-13", until="2026-01-13") == ["user.deactivate", "user.role"]
    assert actions(action="user.*", actor="luis", until="2026-01-13") == ["user.deactivate", "user.role"]


def test_bad_filters_get_an_error_next_to_the_field(admin_client, db_session):
    response = admin_client.get("/admin/audit", query_string={"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert "La fecha final es anterior a la inicial." in response.text
    response = admin_client.get("/admin/audit", query_string={"since": "ayer", "actor": "x" * 300, "page": "-3"})
    assert response.status_code == 200
    assert response.text.count('class="error-message"') == 2


def test_long_logs_are_paginated_and_keep_the_filters(admin_client, db_session):
    for n in range(120):
        add_event(db_session, "export.download", at=datetime(2026, 2, 1, 12, n // 60, n % 60, tzinfo=UTC),
                  object_type="round", object_id=str(n))
    add_event(db_session, "login.success", at=datetime(2026, 2, 2, tzinfo=UTC))

    first = admin_client.get("/admin/audit", query_string={"action": "export.download"})
    assert len(shown_actions(first)) == 50
    assert "Página 1 de 3" in first.text
    next_link = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    assert "action=export.download" in next_link and "page=2" in next_link

    last = admin_client.get("/admin/audit", query_string={"action": "export.download", "page": 3})
    assert shown_actions(last) == ["export.download"] * 20
    assert 'rel="next"' not in last.text and 'rel="prev"' in last.text
    assert shown_actions(admin_client.get("/admin/audit", query_string={"page": 99})) == []


@pytest.mark.parametrize("role", ["editor", "analyst"])
def test_only_admins_read_the_log(client, db_session, role):
    login_as(client, make_user(role))
    assert client.get("/admin/audit").status_code == 403


def test_the_orm_cannot_change_or_delete_an_event(db_session):
    event_id = add_event(db_session, "user.create", at=datetime(2026, 1, 1, tzinfo=UTC)).id

    with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
        with db_session.begin_nested():
            db_session.get(AuditEvent, event_id).action = "user.nothing"
            db_session.flush()
    with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
        with db_session.begin_nested():
            db_session.delete(db_session.get(AuditEvent, event_id))
            db_session.flush()

    db_session.expire_all()
    assert db_session.scalar(select(AuditEvent.action).where(AuditEvent.id == event_id)) == "user.create"

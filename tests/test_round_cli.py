"""``survey round``: create (Lima dates), list, open, close, and invite from a file."""
from __future__ import annotations

from datetime import UTC, datetime

from openpyxl import Workbook

from survey.models import Invitation, OutboxMessage, Round
from tests.factories import make_invitation, make_round, publish_document

HEADER = "nombre,correo,institución,región,cargo,idioma\n"


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_create_prints_the_id_and_stores_utc(runner, db_session):
    version = publish_document()
    result = runner.invoke(args=[
        "round", "create", "--questionnaire", version.questionnaire.key, "--title", "Informe Alternativo 2026",
        "--opens", "2030-03-01T08:00", "--closes", "2030-04-30T23:59", "--reminder-days", "14,7,2",
    ])
    assert result.exit_code == 0, result.output
    round_ = db_session.get(Round, int(result.output.strip()))
    assert round_.version_id == version.id and round_.status == "draft"
    assert round_.opens_at == datetime(2030, 3, 1, 13, 0, tzinfo=UTC)
    assert round_.reminder_policy["days_before_close"] == [14, 7, 2]


def test_create_picks_a_version_and_refuses_bad_input(runner, db_session):
    v1 = publish_document()
    publish_document()
    key = v1.questionnaire.key
    base = ["round", "create", "--questionnaire", key, "--title", "T", "--opens", "2030-03-01T08:00"]
    result = runner.invoke(args=[*base, "--version", "1", "--closes", "2030-04-01T08:00"])
    assert result.exit_code == 0 and db_session.get(Round, int(result.output)).version_id == v1.id
    for extra in (["--closes", "2030-02-01T08:00"], ["--closes", "mañana"],
                  ["--version", "9", "--closes", "2030-04-01"]):
        result = runner.invoke(args=[*base, *extra])
        assert result.exit_code != 0
        assert "Error" in result.output
    result = runner.invoke(args=["round", "create", "--questionnaire", "nada", "--title", "T",
                                 "--opens", "2030-03-01", "--closes", "2030-04-01"])
    assert result.exit_code != 0 and "no questionnaire" in result.output


def test_invite_prints_the_report_and_saves_nothing_when_a_row_is_rejected(runner, db_session, tmp_path):
    round_ = make_round(status="draft")
    make_invitation(round_, email="ya@gob.pe")
    path = write(tmp_path, "lista.csv", HEADER
                 + "Ana,ana@gob.pe,PNP,Puno,,\n"
                 + "Ana otra vez,ANA@gob.pe,PNP,Puno,,\n"
                 + "Ya,ya@gob.pe,PNP,Puno,,\n"
                 + ",sin-nombre@gob.pe,Ministerio de la Magia,Mordor,,fr\n")
    result = runner.invoke(args=["round", "invite", str(round_.id), path])
    assert result.exit_code == 1
    assert "1 accepted, 3 rejected\naccepted:\n  fila 2: Ana" in result.output
    assert "fila 2: Ana <ana@gob.pe> Policía Nacional del Perú (DIRCTPTIM / DEPINTRAP) – Puno, Puno" in result.output
    assert "organisations to register:" in result.output
    assert "fila 3: Correo repetido: ya está en la fila 2." in result.output
    assert "fila 4: El correo ya está invitado a esta ronda." in result.output
    assert ("fila 5: Falta el nombre. Región desconocida: «Mordor». Organización desconocida: «Ministerio de la "
            "Magia». Regístrela en Organizaciones o pida registrar las que faltan. Idioma «fr» no válido: use es o "
            "en.") in result.output
    assert "nothing was saved" in result.output and "--create-orgs to register the organisations" in result.output
    assert Invitation.query.filter_by(round_id=round_.id).count() == 1
    result = runner.invoke(args=["round", "invite", str(round_.id), path, "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "1 officials invited" in result.output
    assert Invitation.query.filter_by(round_id=round_.id).count() == 2


def test_invite_from_xlsx_into_an_open_round_queues_the_invitations(runner, db_session, tmp_path):
    round_ = make_round(status="open")
    workbook = Workbook()
    workbook.active.append(["Name", "Email", "Institution", "Region", "Position", "Language"])
    workbook.active.append(["José Ñique", "jose@gob.pe", "Poder Judicial", "Junín", "Juez", "es"])
    path = tmp_path / "officials.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["round", "invite", str(round_.id), str(path)])
    assert result.exit_code == 0, result.output
    assert "1 accepted, 0 rejected" in result.output and "queued" in result.output
    invitation = Invitation.query.filter_by(round_id=round_.id).one()
    assert invitation.region.key == "junin"
    assert OutboxMessage.query.filter_by(invitation_id=invitation.id, kind="invitation").count() == 1


def test_invite_refuses_a_file_that_is_not_a_list(runner, db_session, tmp_path):
    round_ = make_round(status="draft")
    for name, content, message in (("vacia.csv", "", "El archivo está vacío."),
                                   ("lista.csv", "nombre,correo\nAna,a@b.pe\n", "Falta la columna"),
                                   ("foto.png", "\x89PNG", "no es una hoja de cálculo")):
        result = runner.invoke(args=["round", "invite", str(round_.id), write(tmp_path, name, content)])
        assert result.exit_code == 1 and message in result.output
    assert runner.invoke(args=["round", "invite", "999999", write(tmp_path, "x.csv", "a")]).exit_code == 1


def test_list_open_and_close(runner, db_session):
    round_ = make_round(status="draft", title="Informe 2026")
    make_invitation(round_)
    listed = runner.invoke(args=["round", "list"])
    assert listed.exit_code == 0
    assert f"{round_.id}\tdraft\t" in listed.output and "Informe 2026" in listed.output
    result = runner.invoke(args=["round", "open", str(round_.id)])
    assert result.exit_code == 0 and "1 invitation e-mails queued" in result.output
    assert runner.invoke(args=["round", "open", str(round_.id)]).output.endswith("0 invitation e-mails queued\n")
    assert OutboxMessage.query.filter_by(round_id=round_.id).count() == 1
    assert runner.invoke(args=["round", "close", str(round_.id)]).exit_code == 0
    assert round_.status == "closed"
    draft = make_round(status="draft")
    result = runner.invoke(args=["round", "close", str(draft.id)])
    assert result.exit_code == 1 and "Solo se puede cerrar una ronda abierta." in result.output

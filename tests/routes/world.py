"""A small real world for the route matrix: two regions, two rounds, every role, and the ids of it all.

Round A is open and shared with the observer; it has an official in Cusco (answering, the personal
link the respond pages use) and one in Puno (submitted). Round B is open, not shared, with an
official in Cusco. Each invitation has its invitation e-mail. Ready workbooks wait on disk: round A's
of Cusco and national one, round B's of Cusco. Round C collects one response per organisation, from
a team in Cusco and one in Puno (its pages take their ids from ALIASES).
The questionnaire ``demo`` has version 1 published (the rounds use it) and version 2 in draft.

:meth:`World.value` gives each URL placeholder its value in a *variant*: ``cusco`` (in the
coordinator's region, in the observer's shared round), ``puno`` (ids hanging from the Puno
invitation), ``unshared`` (ids of round B) or ``unknown`` (an id nobody has).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from survey.extensions import db
from survey.models import Evidence, Export, OutboxMessage, Region
from survey.models._types import utcnow
from survey.publication import services as publication
from survey.rounds import pending
from survey.services import organisations, outbox
from survey.services import questionnaires as qs
from survey.services.official_list import OfficialRow
from tests.factories import (
    builder_document,
    make_invitation,
    make_response,
    make_round,
    make_staff,
    publish_document,
)
from tests.route_support import first_choice

VARIANTS = ("cusco", "puno", "unshared")
#: placeholders whose objects depend on the page: endpoint -> {placeholder: name in World.ids}
ALIASES = {"rounds.sections": {"round_id": "team_round_id", "organisation_id": "team_id"}}
UNKNOWN_INT = "999999"
#: a value no test creates, by placeholder (the format is right, so the lookup itself runs)
UNKNOWN = {
    "key": "no-such-questionnaire", "section_key": "no-such-section", "question_key": "no-such-question",
    "item_key": "no-such-section", "fmt": "nope", "number": "99", "filename": "no-such-file.css",
    "token": "x" * 43, "pending": "A" * 22, "respond_key": "no-such-section",
    "chart": "no-such-chart",
}


@dataclass
class World:
    """Ids of the world's objects and the users of every role."""

    #: role -> user id (None: anonymous)
    users: dict[str | None, int | None]
    #: role -> what a signed-in session cookie holds for its user
    identities: dict[str, str]
    #: placeholder -> variant -> value
    ids: dict[str, dict[str, object]]
    #: (user id, round id) -> key of an upload waiting for confirmation
    uploads: dict[tuple[int, int], str]
    #: files the world wrote (the workbooks, the pending uploads) and their content
    files: dict[Path, bytes] = field(default_factory=dict)

    def value(self, endpoint: str, name: str, converter: str, args: str, variant: str, role: str | None) -> str:
        """The value of placeholder *name* of *endpoint*'s rule in *variant*, as *role* would use it."""
        if converter == "any":
            return first_choice(args)
        name = ALIASES.get(endpoint, {}).get(name, name)
        if name == "key":
            name = {"respond": "respond_key", "rounds": "pending"}.get(endpoint.split(".")[0], "key")
        if variant == "unknown":
            return UNKNOWN_INT if converter == "int" else UNKNOWN[name]
        if name == "pending":
            user_id = self.users[role] or 0
            return self.uploads.get((user_id, int(self.ids["round_id"][variant])), UNKNOWN["pending"])
        return str(self.ids[name][variant])

    def restore_files(self) -> None:
        """Put back a file a request removed (a confirmed upload is discarded, rolled back or not)."""
        for path, content in self.files.items():
            if not path.exists():
                path.write_bytes(content)

    def remove_files(self) -> None:
        """Delete what the world wrote."""
        for path in self.files:
            path.unlink(missing_ok=True)


def _region(key: str) -> Region:
    return db.session.scalar(select(Region).where(Region.key == key))


def _message(invitation) -> OutboxMessage:
    outbox.add(invitation, "invitation")
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id))


def _ready_export(round_, user, folder: Path, files: dict[Path, bytes], regions: list[Region] | None) -> Export:
    workbook = Workbook()
    workbook.active["A1"] = f"Ronda {round_.id}"
    path = folder / f"route-matrix-{round_.id}-{len(files)}.xlsx"
    workbook.save(path)
    files[path] = path.read_bytes()
    now = utcnow()
    export = Export(round=round_, lang="es", status="ready", file_path=str(path), file_size=path.stat().st_size,
                    requested_by=user, finished_at=now, expires_at=now + timedelta(days=1),
                    region_ids=None if regions is None else sorted(region.id for region in regions))
    db.session.add(export)
    db.session.flush()
    return export


def _stored_evidence(app, response, files: dict[Path, bytes], suffix: str = "0") -> Evidence:
    """A supporting document attached to *response*, its bytes in the evidence directory."""
    key = f"{response.id:031x}{suffix}"
    path = Path(app.config["SURVEY_EVIDENCE_DIR"]) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a,b\n1,2\n")
    files[path] = path.read_bytes()
    item = Evidence(response_id=response.id, question_key="tiene_oficina", original_name="datos.csv",
                    stored_key=key, size_bytes=8, content_type="text/csv", sha256="0" * 64, is_scanned=False)
    db.session.add(item)
    db.session.flush()
    return item


def build_world(app) -> World:
    """Create the world in the current (rolled-back) session and commit it to the test's transaction."""
    users = {role: make_staff(role) for role in ("admin", "editor", "analyst", "coordinator", "observer")}
    users["coordinator"].regions = [_region("cusco")]
    version = publish_document(builder_document("demo"))
    qs.start_draft(version.questionnaire)
    round_a = make_round(version, title="Ronda compartida")
    round_b = make_round(version, title="Ronda reservada")
    users["observer"].shared_rounds = [round_a]
    cusco, token = make_invitation(round_a, region="cusco", name="Ana Cusco")
    puno, _ = make_invitation(round_a, region="puno", name="Luis Puno")
    other, _ = make_invitation(round_b, region="cusco", name="Rosa Cusco")
    answers = {"tiene_oficina": True, "campanas": 2}
    responses_by_variant = {"cusco": make_response(cusco, {"tiene_oficina": True}, submitted=False),
                            "puno": make_response(puno, answers), "unshared": make_response(other, answers)}
    messages = {"cusco": _message(cusco), "puno": _message(puno), "unshared": _message(other)}
    folder = Path(app.config["SURVEY_EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[Path, bytes] = {}
    # A coordinator's workbook holds their regions only; a national one (puno's variant) is not theirs.
    exports = {"cusco": _ready_export(round_a, users["coordinator"], folder, files, [_region("cusco")]),
               "puno": _ready_export(round_a, users["editor"], folder, files, None),
               "unshared": _ready_export(round_b, users["coordinator"], folder, files, [_region("cusco")])}
    organisation = organisations.create("Fiscalía Provincial de Cusco", "state_regional", regions=[_region("cusco")])
    # Round C collects one response per organisation: a team in Cusco and one in Puno.
    round_c = make_round(version, title="Ronda institucional", is_per_organisation=True)
    teams = {"cusco": organisation,
             "puno": organisations.create("Fiscalía Provincial de Puno", "state_regional", regions=[_region("puno")])}
    for region, team in teams.items():
        make_invitation(round_c, region=region, organisation=team, name=f"Fiscal de {region.title()}")
    target = make_staff("analyst", email="cuenta.objetivo@example.org")
    for shown in (round_a, round_b):  # their public scorecards
        publication.publish(shown, None, k=3, is_naming_organisations=False)
    # Before the commit: each request's session closes, and what was only flushed would be rolled back.
    evidence = {variant: _stored_evidence(app, response, files) for variant, response in responses_by_variant.items()}
    # the official's own file, which the removal route takes away (not the one staff download)
    own_file = _stored_evidence(app, responses_by_variant["cusco"], files, "1")
    db.session.commit()

    uploads = {}
    row = OfficialRow(row=2, name="Carmen Cusco", email="carmen@cusco.gob.pe", institution="Mininter", region="Cusco")
    for user in users.values():
        for round_ in (round_a, round_b):
            key = pending.store(round_.id, user.id, "lista.csv", [row])
            uploads[user.id, round_.id] = key
            path = Path(app.instance_path) / "pending-imports" / f"{key}.json"
            files[path] = path.read_bytes()

    def same(value) -> dict[str, object]:
        return dict.fromkeys(VARIANTS, value)

    ids = {
        "evidence_id": {variant: item.id for variant, item in evidence.items()},
        "file_id": same(own_file.id),
        "round_id": {"cusco": round_a.id, "puno": round_a.id, "unshared": round_b.id},
        "invitation_id": {"cusco": cusco.id, "puno": puno.id, "unshared": other.id},
        "message_id": {variant: message.id for variant, message in messages.items()},
        "export_id": {variant: export.id for variant, export in exports.items()},
        "user_id": same(target.id),
        "organisation_id": same(organisation.id),
        "team_round_id": same(round_c.id),
        "team_id": {"cusco": teams["cusco"].id, "puno": teams["puno"].id, "unshared": teams["cusco"].id},
        "key": same("demo"),
        "number": same(1),
        "fmt": same("json"),
        "section_key": same("perfil"),
        "item_key": same("prevencion"),
        "question_key": same("tiene_oficina"),
        "respond_key": same("perfil"),
        "token": same(token),
        "filename": same("survey.css"),
        "chart": same("national"),
    }
    return World(users={None: None, **{role: user.id for role, user in users.items()}},
                 identities={role: user.get_id() for role, user in users.items()}, ids=ids, uploads=uploads,
                 files=files)

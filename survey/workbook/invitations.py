"""The Invitaciones sheet: every official invited to the round and how far they got (never tokens)."""
from __future__ import annotations

from collections.abc import Iterator

from openpyxl.utils import get_column_letter
from sqlalchemy import ColumnElement, select, true

from survey.extensions import db
from survey.models import Institution, Invitation, Region
from survey.workbook.cells import Sheet
from survey.workbook.i18n import text
from survey.workbook.responses import organisation_names

PAGE = 2000
#: columns read; token_nonce and token_hash are deliberately absent
_COLUMNS = (Invitation.id, Invitation.name, Invitation.email, Invitation.position, Invitation.institution_id,
            Invitation.organisation_id, Invitation.region_id, Invitation.status, Invitation.invited_at,
            Invitation.reminders_sent, Invitation.last_reminded_at, Invitation.submitted_at, Invitation.declined_at)


def _pages(round_id: int, where: ColumnElement[bool]) -> Iterator[list]:
    last = 0
    while True:
        rows = db.session.execute(
            select(*_COLUMNS).where(Invitation.round_id == round_id, Invitation.id > last, where)
            .order_by(Invitation.id).limit(PAGE)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def write_invitations(sheet: Sheet, round_id: int, lang: str, where: ColumnElement[bool] | None = None) -> int:
    """Write one row per invitation *where* keeps (revoked ones included, with their status); return the count."""
    where = true() if where is None else where
    institutions = {i.id: i.name(lang) for i in db.session.scalars(select(Institution))}
    regions = {r.id: r.name(lang) for r in db.session.scalars(select(Region))}
    t = lambda key: text(key, lang)
    organisations = organisation_names()
    headers = [t("official"), t("email"), t("position"), t("institution"), t("organisation"), t("region"), t("status"),
               t("invited_at"), t("reminders_sent"), t("last_reminded_at"), t("submitted_at"), t("declined_at")]

    def rows():
        for page in _pages(round_id, where):
            for (_, name, email, position, inst_id, organisation_id, region_id, status, invited_at, reminders,
                 reminded_at, submitted_at, declined_at) in page:
                yield [name, email, position, institutions.get(inst_id, ""), organisations.get(organisation_id, ""),
                       regions.get(region_id, ""),
                       t(f"state.{status}"), invited_at, reminders, reminded_at, submitted_at, declined_at]

    sheet.ws.freeze_panes = "A2"
    first, last = sheet.table(headers, rows())
    sheet.ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(last, 1)}"
    return max(0, last - first + 1)

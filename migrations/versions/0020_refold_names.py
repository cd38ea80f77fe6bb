"""refold names: organisation names folded with dashes and quotes made alike

``survey.services.reference.fold`` now also makes every dash (hyphen, en dash, em dash, minus) and curly
quote alike, so "Defensoría del Pueblo – Cusco" and "Defensoria del Pueblo - Cusco" are one name. The
stored ``folded_name`` of organisations and of their former names is computed again. Two active
organisations that become one name keep their old folded names (the unique index allows no other way):
they are duplicates for staff to merge.

Revision ID: 0020_refold_names
Revises: 0019_publication_shown
Create Date: 2026-12-08 10:00:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_refold_names'
down_revision = '0019_publication_shown'
branch_labels = None
depends_on = None

# A copy of survey.services.reference.fold as of this revision (migrations do not import the app).
_DASHES = dict.fromkeys(map(ord, "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), " - ")
_QUOTES = {**dict.fromkeys(map(ord, "\u2018\u2019\u201a\u2032"), "'"),
           **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u00ab\u00bb"), '"')}


def _fold(text, *, is_new=True):
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    if is_new:
        decomposed = decomposed.translate(_QUOTES).translate(_DASHES)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def upgrade():
    _refold(is_new=True)


def downgrade():
    _refold(is_new=False)


def _refold(*, is_new):
    connection = op.get_bind()
    organisations = sa.table('organisations', sa.column('id', sa.Integer), sa.column('name', sa.String),
                             sa.column('folded_name', sa.String), sa.column('is_active', sa.Boolean))
    names = sa.table('organisation_names', sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('folded_name', sa.String))
    rows = connection.execute(sa.select(organisations.c.id, organisations.c.name, organisations.c.folded_name,
                                        organisations.c.is_active).order_by(organisations.c.id)).all()
    taken = {folded for _, _, folded, is_active in rows if is_active}
    for row_id, name, folded, is_active in rows:
        new = _fold(name, is_new=is_new)
        if new == folded:
            continue
        if is_active:
            if new in taken:
                continue
            taken.discard(folded)
            taken.add(new)
        connection.execute(organisations.update().where(organisations.c.id == row_id).values(folded_name=new))
    for row_id, name in connection.execute(sa.select(names.c.id, names.c.name)).all():
        connection.execute(names.update().where(names.c.id == row_id).values(folded_name=_fold(name, is_new=is_new)))

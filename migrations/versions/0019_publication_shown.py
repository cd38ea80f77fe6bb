"""publication shown: which figures every publication showed and what it counted, kept after it is withdrawn

``publications.shown`` maps each table of a publication to the keys of the cells it showed (no numbers);
``publications.members`` lists the responses it counted with their region, type, organisation and axis
scores then (never published; empty for publications taken before: they are read as the responses submitted by
then, as they are now).
Withdrawing a publication drops its figures but keeps this: whoever saved them can still subtract them
from a later publication's, so every later snapshot is audited against them
(survey.publication.linked). The live publication's is read from its snapshot; withdrawn ones kept
nothing to read it from.

Revision ID: 0019_publication_shown
Revises: 0018_export_verified
Create Date: 2026-12-07 10:00:00

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_publication_shown'
down_revision = '0018_export_verified'
branch_labels = None
depends_on = None


def _shown(snapshot):
    tables = {"national": {"cells": (snapshot.get("national") or {}).get("cells", [])}, **{
        table["key"]: table for table in snapshot.get("tables", [])}}
    return {key: [cell["key"] for cell in ([table["total"]] if "total" in table else []) + table.get("cells", [])
                  if not cell.get("suppressed")] for key, table in tables.items()}


def upgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('members', sa.JSON(), nullable=False, server_default='{}'))
    connection = op.get_bind()
    publications = sa.table('publications', sa.column('id', sa.Integer), sa.column('snapshot', sa.JSON),
                            sa.column('shown', sa.JSON))
    for row_id, snapshot in connection.execute(sa.select(publications.c.id, publications.c.snapshot)).all():
        if isinstance(snapshot, str):
            snapshot = json.loads(snapshot)
        if snapshot:
            connection.execute(publications.update().where(publications.c.id == row_id)
                               .values(shown=_shown(snapshot)))


def downgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_column('members')
        batch_op.drop_column('shown')

"""audit chain: hash-linked audit entries, a chain head, REPLACE-proof triggers

Revision ID: 0002_audit_chain
Revises: 0001_initial
"""

revision = '0002_audit_chain'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

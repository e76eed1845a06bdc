"""outbox rows that cannot be written to the book are kept aside, with the reason

Revision ID: 1501_outbox_aside
Revises: 1402_token_expiry_access_log
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1501_outbox_aside"
down_revision = "1402_token_expiry_access_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aside", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("aside")

"""lean reprint bands: no foreign key on the 32 band rows each post writes; clustered by key on SQLite

Every published post writes 32 band rows; checking each against posts cost more than writing it. A band row
of a post that no longer exists is harmless: queries keep only posts whose signature row (which keeps its
foreign key) is there. On SQLite the table becomes WITHOUT ROWID, so a row lives in one b-tree, not two.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_reprint_bands_post_id_posts", "reprint_bands", type_="foreignkey")
        return
    op.execute("CREATE TABLE reprint_bands_lean (band_key BIGINT NOT NULL, post_id INTEGER NOT NULL, "
               "CONSTRAINT pk_reprint_bands PRIMARY KEY (band_key, post_id)) WITHOUT ROWID")
    op.execute("INSERT INTO reprint_bands_lean (band_key, post_id) SELECT band_key, post_id FROM reprint_bands")
    op.execute("DROP TABLE reprint_bands")
    op.execute("ALTER TABLE reprint_bands_lean RENAME TO reprint_bands")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("fk_reprint_bands_post_id_posts", "reprint_bands", "posts", ["post_id"], ["id"],
                              ondelete="CASCADE")
        return
    op.execute("CREATE TABLE reprint_bands_rowid (band_key BIGINT NOT NULL, post_id INTEGER NOT NULL, "
               "CONSTRAINT pk_reprint_bands PRIMARY KEY (band_key, post_id), "
               "CONSTRAINT fk_reprint_bands_post_id_posts FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE)")
    op.execute("INSERT INTO reprint_bands_rowid (band_key, post_id) SELECT band_key, post_id FROM reprint_bands")
    op.execute("DROP TABLE reprint_bands")
    op.execute("ALTER TABLE reprint_bands_rowid RENAME TO reprint_bands")

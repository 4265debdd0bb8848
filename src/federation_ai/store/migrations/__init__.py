"""Alembic environment and revisions of the federation store (loaded by Alembic, not imported)."""

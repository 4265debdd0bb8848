"""Alembic revisions of the federation store."""

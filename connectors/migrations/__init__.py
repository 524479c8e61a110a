"""Alembic environment for the samordne database, run in code by ``connectors.db_engine.upgrade``."""

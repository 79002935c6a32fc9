"""Alembic migrations of the CRM database (a package so that it ships with the wheel)."""

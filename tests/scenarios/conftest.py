"""Store URLs for the scenario tests: SQLite always, PostgreSQL when CI provides one."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

PG_ENV = "CIVICALLOC_TEST_PG"  # e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres


def _fresh_pg_database(admin_url: str) -> str:
    name = f"civicalloc_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A fresh, empty store of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    admin = os.environ.get(PG_ENV)
    if not admin:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide PostgreSQL in ${PG_ENV} (see .ci/run)")
        pytest.skip(f"no PostgreSQL: set {PG_ENV} to run the store tests against it")
    return _fresh_pg_database(admin)

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
def new_store_url(request, tmp_path):
    """A function giving a fresh, empty store URL of each kind per call."""
    if request.param == "sqlite":
        names = iter(range(1_000))
        return lambda: f"sqlite:///{tmp_path / f'store{next(names)}.sqlite'}"
    admin = os.environ.get(PG_ENV)
    if not admin:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide PostgreSQL in ${PG_ENV} (see .ci/run)")
        pytest.skip(f"no PostgreSQL: set {PG_ENV} to run the store tests against it")
    return lambda: _fresh_pg_database(admin)


@pytest.fixture
def store_url(new_store_url) -> str:
    """A fresh, empty store of each kind."""
    return new_store_url()

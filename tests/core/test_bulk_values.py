"""The driver-level values the pipeline writes must read back exactly as SQLAlchemy's own would."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from masthead.store.bulk import python_datetime, sqlite_datetime
from masthead.store.types import UTCDateTime


@pytest.mark.parametrize("value", [
    datetime(2026, 11, 29, 2, 0, tzinfo=UTC),  # no microseconds: still written with six digits
    datetime(2026, 11, 29, 2, 0, 5, 123456, tzinfo=UTC),
    datetime(2026, 11, 29, 8, 30, 0, 7, tzinfo=timezone(timedelta(hours=8))),  # converted to UTC
])
def test_sqlite_datetime_is_sqlalchemys_storage_format(value: datetime) -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("at", UTCDateTime))
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(table.insert(), {"at": value})
        stored = connection.exec_driver_sql("SELECT at FROM t").scalar_one()
    assert sqlite_datetime(value) == stored
    assert python_datetime(stored) == value


def test_sqlite_datetime_of_a_naive_value_reads_it_as_local_time_like_sqlalchemy() -> None:
    naive = datetime(2026, 11, 29, 2, 0, 5, 1)
    assert sqlite_datetime(naive) == sqlite_datetime(naive.astimezone(UTC))


@pytest.mark.parametrize("stored", ["2026-11-29 02:00:05.000001", "2026-11-29 02:00:05", "2026-11-29T02:00:05",
                                    "2026-11-29T02:00:05+00:00", "2026-11-29 02:00:05.5"])
def test_python_datetime_reads_every_stored_form_as_utc(stored: str) -> None:
    parsed = python_datetime(stored)
    assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)
    assert parsed.replace(tzinfo=None) == datetime.fromisoformat(stored).replace(tzinfo=None)

"""Benchmark: the slots a client sees over 60 days, for a counselor with a long history.

Builds a throwaway database on SQLite (a temporary file) and/or PostgreSQL (a schema of its own, dropped
at the end), migrates it with Alembic (the real schema: indexes, the PostgreSQL exclusion constraint, the
SQLite overlap triggers), fills it with two counselors who each have about five years of past appointments
and 300 future ones, then times `booking.available_slots` for 60 days, each call in a fresh short-lived
Session as the app makes them. Prints the median, 95th percentile and maximum per call, the SQL statements
per call, and the query plan of the busy-times query.

A benchmark, not a test: it prints figures and asserts nothing about time.

    .venv/bin/python benchmarks/slots.py [--backend sqlite|postgres|both] [--calls N] [--postgres-url URL]

Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time as clock
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, event, func, insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from therapy_portal import db as dbmod  # noqa: E402
from therapy_portal import migrations  # noqa: E402
from therapy_portal.models import Appointment, Client, PortalSettings, Practice, utcnow  # noqa: E402
from therapy_portal.services import booking  # noqa: E402
from therapy_portal.services.accounts import create_user  # noqa: E402
from therapy_portal.services.scheduling import MAX_APPOINTMENT, client_slots  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TIME_ZONE = "America/Chicago"
DAYS = 60  # the slots shown: today .. today + 59
PAST_YEARS = 5
FUTURE_APPOINTMENTS = 300
CLIENTS = 300
WARMUP_CALLS = 5
HOURLY_STARTS = [time(h, 0) for h in range(8, 18)]  # 08:00 .. 17:00 wall clock, practice zone


# ---------------------------------------------------------------------------------------------------------
# Data


@dataclass
class Dataset:
    counselor_id: int
    other_counselor_id: int
    appointment_rows: int
    counselor_rows: int
    counselor_future_rows: int


def _weekdays(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _appointments(
    rng: random.Random, practice_id: int, counselor_id: int, client_ids: list[int], today: date, tz: ZoneInfo
) -> list[dict]:
    """About six sessions a working day for five years back, and 300 in the next 60 days.

    Sessions start on the hour (08:00-17:00 in the practice's zone) and last 50 or 30 minutes, so one
    counselor's appointments never overlap (the exclusion constraint and the triggers would refuse them).
    """
    rows: list[dict] = []
    created = datetime.now(UTC)

    def row(day: date, at: time, status: str) -> dict:
        start = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        minutes = 50 if rng.random() < 0.8 else 30
        return {
            "practice_id": practice_id,
            "counselor_id": counselor_id,
            "client_id": rng.choice(client_ids),
            "start_at": start,
            "end_at": start + timedelta(minutes=minutes),
            "kind": "in_person" if rng.random() < 0.7 else "online",
            "status": status,
            "created_by_kind": "staff",
            "created_by_id": counselor_id,
            "created_at": created,
            "updated_at": created,
        }

    past_first = today - timedelta(days=365 * PAST_YEARS)
    for day in _weekdays(past_first, today - timedelta(days=1)):
        for at in rng.sample(HOURLY_STARTS, rng.randint(4, 8)):
            status = rng.choices(["completed", "cancelled", "no_show", "rescheduled"], [85, 7, 5, 3])[0]
            rows.append(row(day, at, status))
    future_grid = [
        (day, at)
        for day in _weekdays(today + timedelta(days=1), today + timedelta(days=DAYS - 1))
        for at in HOURLY_STARTS
    ]
    for day, at in rng.sample(future_grid, FUTURE_APPOINTMENTS):
        status = rng.choices(["scheduled", "confirmed", "requested", "cancelled"], [60, 30, 5, 5])[0]
        rows.append(row(day, at, status))
    # Newest first: the SQLite overlap trigger scans a counselor's rows that start before the new row's
    # end, so inserting oldest-first would make the load quadratic (see the notes in docs/benchmarks.md).
    rows.sort(key=lambda r: r["start_at"], reverse=True)
    return rows


def build_dataset(engine: Engine, today: date) -> Dataset:
    rng = random.Random(20240601)
    tz = ZoneInfo(TIME_ZONE)
    with Session(engine, expire_on_commit=False) as db:
        practice = Practice(name="Benchmark Practice", time_zone=TIME_ZONE)
        db.add(practice)
        db.flush()
        counselors = []
        for n in (1, 2):
            user = create_user(db, practice.id, f"counselor{n}@bench.example", f"Counselor {n}", "bench-password-1")
            db.add(
                PortalSettings(
                    counselor_id=user.id,
                    business_start=time(8, 0),
                    business_end=time(18, 0),
                    session_minutes=30,
                    days_prior=DAYS,
                    allow_current_day=False,
                    allowed_weekdays="0,1,2,3,4",
                )
            )
            counselors.append(user.id)
        db.commit()
        practice_id = practice.id

    now = datetime.now(UTC)
    clients = [
        {
            "practice_id": practice_id,
            "counselor_id": counselors[i % 2],
            "first_name": f"First{i}",
            "last_name": f"Last{i}",
            "last_name_key": f"last{i}",
            "date_of_birth": date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 45)),
            "email": f"client{i}@bench.example",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(CLIENTS)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Client.__table__), clients)
        ids = conn.execute(select(Client.id, Client.counselor_id)).all()
        for counselor_id in counselors:
            own = [cid for cid, owner in ids if owner == counselor_id]
            conn.execute(insert(Appointment.__table__), _appointments(rng, practice_id, counselor_id, own, today, tz))
        if engine.dialect.name == "postgresql":
            # Autovacuum would gather statistics after a load like this; do it now so the plan is stable.
            conn.execute(text("ANALYZE"))

    with Session(engine) as db:
        total = db.exec(select(func.count()).select_from(Appointment)).one()
        own = db.exec(
            select(func.count()).select_from(Appointment).where(Appointment.counselor_id == counselors[0])
        ).one()
        future = db.exec(
            select(func.count())
            .select_from(Appointment)
            .where(Appointment.counselor_id == counselors[0], Appointment.start_at > now)
        ).one()
    return Dataset(counselors[0], counselors[1], total, own, future)


# ---------------------------------------------------------------------------------------------------------
# Measuring


@dataclass
class StatementLog:
    """SQL statements seen by SQLAlchemy's cursor events, plus the connection handling around them.

    The pool's pre-ping (PostgreSQL: an empty query on every checkout) and psycopg's implicit BEGIN and
    the ROLLBACK when a session closes do not pass through the cursor events; they are counted from the
    pool's checkout and the engine's begin/rollback/commit events instead. SQLite's BEGIN is issued by
    the app's own begin hook (therapy_portal.db) and is counted there, not as a statement.
    """

    active: bool = False
    statements: list[tuple[str, object]] = field(default_factory=list)
    checkouts: int = 0
    transactions: int = 0

    def attach(self, engine: Engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn, cursor, statement, parameters, context, executemany):
            if self.active and not statement.lstrip().upper().startswith("BEGIN"):
                self.statements.append((statement, parameters))

        @event.listens_for(engine.pool, "checkout")
        def _checkout(dbapi_conn, record, proxy):
            if self.active:
                self.checkouts += 1

        @event.listens_for(engine, "begin")
        def _begin(conn):
            if self.active:
                self.transactions += 1

    def start(self) -> None:
        self.statements.clear()
        self.checkouts = self.transactions = 0
        self.active = True

    def stop(self) -> list[tuple[str, object]]:
        self.active = False
        return list(self.statements)


def _stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {
        "median": statistics.median(ms),
        "p95": statistics.quantiles(ms, n=100, method="inclusive")[94] if len(ms) > 1 else ms[0],
        "max": ms[-1],
    }


def _time(fn, calls: int) -> dict[str, float]:
    for _ in range(WARMUP_CALLS):
        fn()
    samples = []
    for _ in range(calls):
        t0 = clock.perf_counter()
        fn()
        samples.append(clock.perf_counter() - t0)
    return _stats(samples)


def _short(sql: str) -> str:
    return " ".join(sql.split())[:110]


def _explain(engine: Engine, statement: str, parameters, generic: bool = False) -> list[str]:
    """The plan of a captured statement, run with its captured parameters."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()]
        if not generic:
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters).all()
            return [row[0] for row in rows]
        # psycopg prepares a statement on the server once a connection has run it 5 times, and PostgreSQL
        # then usually settles on a generic plan, made without looking at the values. PostgreSQL 15 can only
        # show that plan through PREPARE ... / EXPLAIN EXECUTE, so turn the captured %(name)s statement into one.
        from psycopg.sql import Literal

        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
        prepared = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
        driver = conn.connection.driver_connection
        args = ", ".join(Literal(parameters[name]).as_string(driver) for name in names)
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql("PREPARE tp_bench_busy AS " + prepared)
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE tp_bench_busy({args})").all()
        conn.exec_driver_sql("DEALLOCATE tp_bench_busy")
        return [row[0] for row in rows]


def bench(engine: Engine, calls: int) -> None:
    tz = ZoneInfo(TIME_ZONE)
    now = utcnow()
    today = now.astimezone(tz).date()
    last_day = today + timedelta(days=DAYS - 1)

    t0 = clock.perf_counter()
    data = build_dataset(engine, today)
    print(
        f"  built in {clock.perf_counter() - t0:.1f} s: {data.appointment_rows:,} appointments in the table, "
        f"{data.counselor_rows:,} for the measured counselor ({data.counselor_future_rows} in the future)"
    )

    log = StatementLog()
    log.attach(engine)
    counselor_id = data.counselor_id
    postgres = engine.dialect.name == "postgresql"

    def call() -> list:
        with Session(engine, expire_on_commit=False) as db:
            return booking.available_slots(db, counselor_id, today, last_day, now)

    # One call on its own, to count and show its statements.
    call()
    log.start()
    slots = call()
    statements = log.stop()
    checkouts, transactions = log.checkouts, log.transactions
    busy_sql = next((s, p) for s, p in statements if "FROM appointment" in s)

    result = _time(call, calls)
    print(
        f"  available_slots({DAYS} days): {len(slots)} slots returned; {calls} timed calls after {WARMUP_CALLS} warm-up, "
        "each in a fresh Session"
    )
    print(f"    median {result['median']:.2f} ms   p95 {result['p95']:.2f} ms   max {result['max']:.2f} ms")
    extra = "pre-ping, BEGIN, ROLLBACK" if postgres else "BEGIN, ROLLBACK"
    print(
        f"    SQL statements per call: {len(statements)} (+ {checkouts} connection checkout, {transactions} transaction: {extra})"
    )
    for sql, _ in statements:
        print(f"      - {_short(sql)}")

    # Where the time goes: the busy-times query alone, and the pure-Python slot grid alone.
    with Session(engine) as db:
        rules = booking.counselor_rules(db, counselor_id)
        start, end = booking._range(rules, today, last_day)
        busy = booking.busy_times(db, counselor_id, start, end)
        # The index range the query walks: (counselor_id, start_at) bounded on both sides by the window.
        walked = db.exec(
            select(func.count())
            .select_from(Appointment)
            .where(
                Appointment.counselor_id == counselor_id,
                Appointment.start_at < end,
                Appointment.start_at > start - MAX_APPOINTMENT,
            )
        ).one()

    def busy_only() -> None:
        with Session(engine) as db:
            booking.busy_times(db, counselor_id, start, end)

    b = _time(busy_only, calls)
    g = _time(lambda: client_slots(rules, busy, now, today, last_day), calls)
    print(
        f"  busy-times query alone (fresh Session each): median {b['median']:.2f} ms, p95 {b['p95']:.2f} ms; "
        f"returns {len(busy)} rows from an index range of {walked:,}"
    )
    print(f"  client_slots alone (pure Python, no database): median {g['median']:.2f} ms, p95 {g['p95']:.2f} ms")

    plans = [("busy-times query, as the app runs it", busy_sql, False)]
    if postgres:
        plans.append(("busy-times query, generic plan (what psycopg's prepared statement gets)", busy_sql, True))
    how = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
    for title, (sql, params), generic in plans:
        print(f"  plan of the {title} ({how}):")
        for line in _explain(engine, sql, params, generic):
            print(f"      {line}")


# ---------------------------------------------------------------------------------------------------------
# Backends


def run_sqlite(calls: int) -> None:
    import sqlite3

    print(f"\n== SQLite {sqlite3.sqlite_version} (temporary file, WAL, as the app configures it)")
    with tempfile.TemporaryDirectory(prefix="tp_bench_") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrations.upgrade(url)
        engine = dbmod.make_engine(url)
        try:
            bench(engine, calls)
        finally:
            engine.dispose()


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{dbmod.normalize_url(url)}{sep}options=-csearch_path%3D{schema}"


def run_postgres(calls: int, url: str) -> None:
    admin = create_engine(dbmod.normalize_url(url), connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
    except Exception as error:  # noqa: BLE001 - any failure to connect means "skip"
        print(f"\n== PostgreSQL skipped: no answer at {url} ({type(error).__name__}: {str(error).splitlines()[0]})")
        admin.dispose()
        return
    schema = f"tp_bench_{uuid.uuid4().hex[:8]}"
    print(f"\n== PostgreSQL {version} (schema {schema}, dropped afterwards)")
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = None
    try:
        bench_url = _with_search_path(url, schema)
        migrations.upgrade(bench_url)
        engine = dbmod.make_engine(bench_url)
        bench(engine, calls)
    finally:
        if engine is not None:
            engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per measurement (default 200)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PORTAL_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
        help="PostgreSQL to use (default: $PORTAL_TEST_POSTGRES_URL, else %(default)s)",
    )
    args = parser.parse_args()
    if args.calls < 1:
        parser.error("--calls must be at least 1")
    print(
        f"slots benchmark: {DAYS} days of slots, {PAST_YEARS} years of history, {FUTURE_APPOINTMENTS} future appointments "
        f"per counselor, two counselors; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    if args.backend in ("sqlite", "both"):
        run_sqlite(args.calls)
    if args.backend in ("postgres", "both"):
        run_postgres(args.calls, args.postgres_url)


if __name__ == "__main__":
    main()

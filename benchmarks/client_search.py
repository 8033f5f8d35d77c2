"""Benchmark: the client list's search over 20,000 clients, as an admin and as one counselor.

Builds a throwaway database on SQLite (a temporary file) and/or PostgreSQL (a schema of its own, dropped
at the end), migrates it with Alembic (the real schema and its indexes), fills it with one practice,
three counselors and 20,000 clients with varied names from many cultures (accents, apostrophes, hyphens),
dates of birth, emails and mobiles, then times `clients.search` for a set of typical searches, each call
in a fresh short-lived Session as the app makes them. Prints the median, 95th percentile and maximum per
call, the SQL statements per call, and the query plans of the name-prefix and date-of-birth searches (and
of deep paging).

A benchmark, not a test: it prints figures and asserts nothing about time.

    .venv/bin/python benchmarks/client_search.py [--backend sqlite|postgres|both] [--calls N] [--postgres-url URL]

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
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, event, func, insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from therapy_portal import db as dbmod  # noqa: E402
from therapy_portal import migrations  # noqa: E402
from therapy_portal.models import Client, Practice, Role  # noqa: E402
from therapy_portal.services import clients  # noqa: E402
from therapy_portal.services.accounts import StaffIdentity, create_user  # noqa: E402
from therapy_portal.services.names import fold  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TIME_ZONE = "America/Chicago"
CLIENTS = 20_000
COUNSELORS = 3
EMAIL_SHARE = 0.90
MOBILE_SHARE = 0.85
SAME_CULTURE_FIRST_NAME = 0.75  # otherwise a first name from any culture
WARMUP_CALLS = 5
SEED = 20240715

# ---------------------------------------------------------------------------------------------------------
# Names: (last names, first names) by culture. Last names are drawn with a Zipf-like weight by rank in
# COMMON_FIRST + the rest (shuffled with the seed), so a few are common and the tail is rare.

CULTURES: dict[str, tuple[list[str], list[str]]] = {
    "vietnamese": (
        "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split(),
        "Thảo Minh Anh Linh Huy Phương Quỳnh Đức Tuấn Hương Lan Bảo".split(),
    ),
    "hispanic": (
        "García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez "
        "Díaz Reyes Morales Cruz Ortiz Gutiérrez Chávez Ramos Nuñez Jiménez Ruiz Álvarez Mendoza Castillo "
        "Vásquez Romero Herrera Medina Aguilar Vargas Guzmán Muñoz Peña Ibáñez Castañeda".split(),
        "María José Juan Ana Luis Carmen Jesús Sofía Mateo Valentina Alejandro Lucía Andrés Camila Ramón "
        "Inés Josefina Guadalupe".split(),
    ),
    "english": (
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson Martin "
        "Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams "
        "Baker Nelson Carter Mitchell Roberts Campbell Parker Evans Edwards Collins Stewart Morris Cook "
        "Rogers Smith-Jones Bennett-Hughes Fairweather".split(),
        "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
        "Joseph Jessica Thomas Sarah Christopher Karen Daniel Emily Matthew Ashley Anthony Megan Mark Hannah "
        "Tyler Madison Brandon Olivia Ethan Emma Noah Ava Liam Chloe Mason Grace Zoë Renée".split(),
    ),
    "irish": (
        "O'Brien O'Connor O'Neill McCarthy MacDonald Fitzgerald Gallagher Byrne Kavanagh Murphy".split()
        + ["Ó Súilleabháin"],
        "Seán Siobhán Aoife Niamh Ciarán Pádraig Róisín Éamon".split(),
    ),
    "germanic": (
        "Müller Schmidt Schneider Fischer Weiß Schäfer Köhler Hoffmann Zimmermann Jansen Øberg Ødegård Åström "
        "Lindqvist Johansson Sørensen Hansen Nyström Bjørnstad".split()
        + ["van der Berg", "de Vries"],
        "Jürgen Jörg Björn Søren Åsa Ingrid Lars Anneliese Maximilian Sven Liesl".split(),
    ),
    "slavic": (
        "Kowalski Nowak Wiśniewski Wójcik Kamiński Lewandowski Zieliński Łukasik Dvořák Novák Horváth Kovács "
        "Szabó Nagy Popescu Ionescu Petrović Jovanović Ivanov Smirnov Kuznetsova Shevchenko Bondarenko".split(),
        "Katarzyna Małgorzata Łukasz Wojciech Zoltán Márta Ioana Dragoş Milica Nikola Olena Dmytro Natalia "
        "Sergei".split(),
    ),
    "mediterranean": (
        "Papadopoulos Georgiou Nikolaidis Rossi Russo Ferrari Esposito Bianchi Romano Dubois Lefèvre Moreau "
        "Girard Bérubé Côté Gagnon Lévesque Fournier Silva Santos Oliveira Conceição Gonçalves Pereira".split()
        + ["De Luca"],
        "Giorgos Eleni Dimitris Giulia Francesco Chiara Giuseppe François Hélène Amélie Benoît Gaël João "
        "Thiago".split(),
    ),
    "middle_east_south_asia": (
        "Öztürk Yılmaz Şahin Çelik Demir Al-Sayed Haddad Khoury Nasser Abdullah Hussain Khan Rahman Patel "
        "Shah Singh Kaur Sharma Gupta Reddy Iyer Chatterjee Mukherjee".split(),
        "Mehmet Ayşe Gülşen Emre Mohammed Fatima Ahmed Aisha Omar Layla Yusuf Mariam Priya Rahul Ananya Arjun "
        "Deepika Sanjay".split(),
    ),
    "east_asian": (
        "Kim Park Choi Jeong Kang Lee Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Tanaka Suzuki Takahashi "
        "Watanabe Itō Satō Yamamoto".split(),
        "Ji-woo Min-jun Seo-yeon Wei Xiaoming Mei Jun Hiroshi Yuki Sakura Haruto".split(),
    ),
    "african": (
        "Okafor Adeyemi Mensah Owusu Diallo Ndiaye Mwangi Kamau Abebe Tesfaye Nkosi Dlamini".split(),
        "Chinedu Ngozi Kwame Ama Amara Tendai Wanjiru Thandiwe Kofi Adaeze".split(),
    ),
}
COMMON_FIRST = (
    "Smith Nguyễn García Johnson Williams Martínez Brown Rodríguez Jones Kim Patel Lee Hernández Miller Trần López "
    "Davis Khan Wilson Chen"
).split()
EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com"]
AREA_CODES = ["316", "620", "785", "913"]  # +1 AAA 555 xxxx: 40,000 distinct numbers


def _ascii_local(text_: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text_))


@dataclass
class Dataset:
    admin: StaffIdentity
    counselor: StaffIdentity
    clients: int
    counselor_clients: int
    last_names: int
    first_names: int
    with_email: int
    with_mobile: int
    common_prefix_rows: int  # last name Nguyễn
    rare_last_name: str
    rare_rows: int
    dob_query: str
    dob_rows: int


def _client_rows(rng: random.Random, practice_id: int, counselor_ids: list[int]) -> list[dict]:
    culture_of = {last: culture for culture, (lasts, _) in CULTURES.items() for last in lasts}
    rest = sorted(set(culture_of) - set(COMMON_FIRST))
    rng.shuffle(rest)
    ranked = COMMON_FIRST + rest
    weights = [1 / (rank + 10) for rank in range(len(ranked))]
    all_firsts = [first for _, firsts in CULTURES.values() for first in firsts]
    lasts = rng.choices(ranked, weights, k=CLIENTS)
    mobiles = rng.sample(range(len(AREA_CODES) * 10_000), int(CLIENTS * MOBILE_SHARE))
    has_mobile = set(rng.sample(range(CLIENTS), len(mobiles)))
    mobile_iter = iter(mobiles)
    now = datetime.now(UTC)
    dob_first, dob_days = date(1940, 1, 1), (date(2010, 12, 31) - date(1940, 1, 1)).days
    rows = []
    for i, last in enumerate(lasts):
        culture_firsts = CULTURES[culture_of[last]][1]
        first = rng.choice(culture_firsts if rng.random() < SAME_CULTURE_FIRST_NAME else all_firsts)
        email = ""
        if rng.random() < EMAIL_SHARE:
            suffix = str(rng.randrange(100)) if rng.random() < 0.5 else ""
            email = f"{_ascii_local(first)}.{_ascii_local(last)}{suffix}@{rng.choice(EMAIL_DOMAINS)}"
        mobile = ""
        if i in has_mobile:
            n = next(mobile_iter)
            mobile = f"+1{AREA_CODES[n // 10_000]}555{n % 10_000:04d}"
        created = now - timedelta(seconds=rng.randrange(8 * 365 * 86_400))  # added over the last 8 years
        rows.append(
            {
                "practice_id": practice_id,
                "counselor_id": rng.choice(counselor_ids),
                "first_name": first,
                "last_name": last,
                **clients.name_keys(first, last),
                "date_of_birth": dob_first + timedelta(days=rng.randrange(dob_days + 1)),
                "email": email,
                "mobile_e164": mobile,
                "address": f"{rng.randrange(100, 9999)} {rng.choice(['Oak', 'Maple', 'Elm', 'Main', 'Cedar'])} St, Wichita, KS",
                "active": True,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def build_dataset(engine: Engine) -> Dataset:
    rng = random.Random(SEED)
    with Session(engine, expire_on_commit=False) as db:
        practice = Practice(name="Benchmark Practice", time_zone=TIME_ZONE)
        db.add(practice)
        db.flush()
        counselors = [
            create_user(db, practice.id, f"counselor{n}@bench.example", f"Counselor {n}", "bench-password-1")
            for n in range(1, COUNSELORS + 1)
        ]
        admin = create_user(
            db, practice.id, "admin@bench.example", "Office Admin", "bench-password-1", Role.admin, is_clinician=False
        )
        db.commit()
        identities = [
            StaffIdentity(u.id, practice.id, Role(u.role), u.full_name, u.email, u.is_clinician, practice.name)
            for u in (admin, counselors[0])
        ]
        practice_id = practice.id

    rows = _client_rows(rng, practice_id, [c.id for c in counselors])
    with engine.begin() as conn:
        conn.execute(insert(Client.__table__), rows)  # one executemany, one transaction
        if engine.dialect.name == "postgresql":
            # Autovacuum would gather statistics after a load like this; do it now so the plans are stable.
            conn.execute(text("ANALYZE"))

    last_counts = Counter(r["last_name"] for r in rows)
    rare = min(last_counts, key=lambda name: (last_counts[name], name))
    dob = rows[CLIENTS // 2]["date_of_birth"]
    with Session(engine) as db:
        total = db.exec(select(func.count()).select_from(Client)).one()
        own = db.exec(
            select(func.count()).select_from(Client).where(Client.counselor_id == identities[1].user_id)
        ).one()
    return Dataset(
        admin=identities[0],
        counselor=identities[1],
        clients=total,
        counselor_clients=own,
        last_names=len(last_counts),
        first_names=len({r["first_name"] for r in rows}),
        with_email=sum(1 for r in rows if r["email"]),
        with_mobile=sum(1 for r in rows if r["mobile_e164"]),
        common_prefix_rows=last_counts["Nguyễn"],
        rare_last_name=rare,
        rare_rows=last_counts[rare],
        dob_query=f"{dob:%m/%d/%Y}",
        dob_rows=sum(1 for r in rows if r["date_of_birth"] == dob),
    )


# ---------------------------------------------------------------------------------------------------------
# Measuring


@dataclass
class StatementLog:
    """SQL statements seen by SQLAlchemy's cursor events, plus the connection handling around them.

    The pool's pre-ping (PostgreSQL: an empty query on every checkout) and psycopg's implicit BEGIN and
    the ROLLBACK when a session closes do not pass through the cursor events; they are counted from the
    pool's checkout and the engine's begin events instead. SQLite's BEGIN is issued by the app's own
    begin hook (therapy_portal.db) and is counted there, not as a statement.
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
        # The literals go through psycopg's placeholder parsing too, so their "%" (LIKE patterns) is doubled.
        args = ", ".join(Literal(parameters[name]).as_string(driver) for name in names).replace("%", "%%")
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql("PREPARE tp_bench_plan AS " + prepared)
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE tp_bench_plan({args})").all()
        conn.exec_driver_sql("DEALLOCATE tp_bench_plan")
        return [row[0] for row in rows]


@dataclass(frozen=True)
class Search:
    label: str
    query: str = ""
    sort: str = "last_name"
    page: int = 1
    plan: bool = False  # print the plans of its statements, as the admin runs them
    counselor_plan: bool = False  # and as the counselor runs them (custom plans only)


def searches(data: Dataset) -> list[Search]:
    return [
        Search("empty query, page 1 (by last name)"),
        Search("empty query, page 400 (deep paging)", page=400, plan=True),
        Search("last-name prefix 'ngu'", "ngu", plan=True, counselor_plan=True),
        Search("accented full name 'Nguyễn Thảo'", "Nguyễn Thảo"),
        Search("first-name prefix 'jos'", "jos"),
        Search(f"rare exact last name '{data.rare_last_name}'", data.rare_last_name),
        Search(f"date of birth '{data.dob_query}'", data.dob_query, plan=True, counselor_plan=True),
        Search("email fragment '@example'", "@example"),
        Search("phone digits '5551234'", "5551234"),
        Search("no match 'qzxv'", "qzxv"),
        Search("empty query, sort by date of birth", sort="date_of_birth"),
        Search("empty query, sort by newest", sort="newest"),
    ]


def bench(engine: Engine, calls: int) -> list[tuple[str, str, dict]]:
    t0 = clock.perf_counter()
    data = build_dataset(engine)
    print(
        f"  built in {clock.perf_counter() - t0:.1f} s: {data.clients:,} clients ({data.last_names} last names, "
        f"{data.first_names} first names; {data.with_email:,} with email, {data.with_mobile:,} with a mobile); "
        f"the measured counselor has {data.counselor_clients:,}"
    )
    print(
        f"  Nguyễn: {data.common_prefix_rows} clients; rarest last name {data.rare_last_name}: {data.rare_rows}; "
        f"born {data.dob_query}: {data.dob_rows}"
    )

    log = StatementLog()
    log.attach(engine)
    postgres = engine.dialect.name == "postgresql"
    results: list[tuple[str, str, dict]] = []
    to_plan: list[tuple[str, str, list[tuple[str, object]]]] = []
    print(f"  clients.search: {calls} timed calls after {WARMUP_CALLS} warm-up, each in a fresh Session; ms per call")
    print(f"    {'who':<9} {'search':<44} {'matches':>7} {'page':>9} {'median':>8} {'p95':>8} {'max':>8}  stmts")
    for who, me in (("admin", data.admin), ("counselor", data.counselor)):
        for s in searches(data):

            def call(s: Search = s, me: StaffIdentity = me) -> clients.ClientPage:
                with Session(engine, expire_on_commit=False) as db:
                    return clients.search(db, me, s.query, s.sort, s.page)

            call()
            log.start()
            result = call()
            statements = log.stop()
            r = _time(call, calls)
            r.update(
                total=result.total,
                page=result.page,
                pages=result.pages,
                statements=len(statements),
                checkouts=log.checkouts,
                transactions=log.transactions,
            )
            results.append((who, s.label, r))
            print(
                f"    {who:<9} {s.label:<44} {result.total:>7,} {f'{result.page}/{result.pages}':>9} "
                f"{r['median']:>8.2f} {r['p95']:>8.2f} {r['max']:>8.2f}  {len(statements)}"
            )
            if (s.plan and who == "admin") or (s.counselor_plan and who == "counselor"):
                to_plan.append((who, s.label, statements))

    extra = "pre-ping, BEGIN, ROLLBACK" if postgres else "BEGIN, ROLLBACK"
    print(
        f"  SQL statements per call: {results[0][2]['statements']} (+ {results[0][2]['checkouts']} connection "
        f"checkout, {results[0][2]['transactions']} transaction: {extra})"
    )
    for sql, _ in to_plan[0][2]:
        print(f"      - {_short(sql)}")

    how = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
    for who, label, statements in to_plan:
        for sql, params in statements:
            kind = "count" if "count(" in sql.lower() else "page"
            variants = [(False, "")]
            if postgres and kind == "page" and who == "admin":
                variants.append((True, ", generic plan (what psycopg's prepared statement gets)"))
            for generic, note in variants:
                print(f"  plan of the {kind} query, {who}, {label}{note} ({how}):")
                for line in _explain(engine, sql, params, generic):
                    print(f"      {line}")
    return results


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
            collation = conn.execute(
                text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            ).scalar()
    except Exception as error:  # noqa: BLE001 - any failure to connect means "skip"
        print(f"\n== PostgreSQL skipped: no answer at {url} ({type(error).__name__}: {str(error).splitlines()[0]})")
        admin.dispose()
        return
    schema = f"tp_bench_{uuid.uuid4().hex[:8]}"
    print(f"\n== PostgreSQL {version} (database collation {collation}; schema {schema}, dropped afterwards)")
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
    parser.add_argument("--calls", type=int, default=100, help="timed calls per search (default 100)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PORTAL_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
        help="PostgreSQL to use (default: $PORTAL_TEST_POSTGRES_URL, else %(default)s)",
    )
    args = parser.parse_args()
    if args.calls < 1:
        parser.error("--calls must be at least 1")
    print(
        f"client search benchmark: {CLIENTS:,} clients, {COUNSELORS} counselors, page size {clients.PAGE_SIZE}; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    started = clock.perf_counter()
    if args.backend in ("sqlite", "both"):
        run_sqlite(args.calls)
    if args.backend in ("postgres", "both"):
        run_postgres(args.calls, args.postgres_url)
    print(f"\ntotal run time {clock.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

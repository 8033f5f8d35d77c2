"""`python -m therapy_portal COMMAND`: migrate, seed-demo, create-user, check-db."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlmodel import select

from . import migrations
from .db import session_scope
from .models import PortalSettings, Practice, Role
from .services import accounts, demo


def cmd_migrate(_args) -> int:
    migrations.upgrade()
    print("Database is at the latest schema.")
    return 0


def cmd_seed_demo(args) -> int:
    migrations.upgrade()
    with session_scope() as db:
        if demo.is_seeded(db):
            print("The database already holds a practice; nothing seeded.")
            return 0 if args.if_empty else 1
        demo.seed(db)
    print(f"Seeded the demo practice '{demo.PRACTICE_NAME}'.")
    return 0


def cmd_create_user(args) -> int:
    password = args.password or getpass.getpass("Password (10 characters or more): ")
    with session_scope() as db:
        practice = db.exec(select(Practice)).first()
        if practice is None:
            practice = Practice(name=args.practice or "My Practice", time_zone=args.time_zone)
            db.add(practice)
            db.flush()
        try:
            user = accounts.create_user(
                db,
                practice.id,
                args.email,
                args.name,
                password,
                role=Role(args.role),
                is_clinician=not args.not_clinician,
            )
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        if user.is_clinician:
            db.add(PortalSettings(counselor_id=user.id))
    print(f"Created {args.role} {args.email}.")
    return 0


def cmd_demo_logins(_args) -> int:
    for email, name, role, _clinician, _prefs in demo.STAFF:
        print(f"  {role.value:<11} {email:<40} {demo.DEMO_PASSWORD}   ({name})")
    print("Client portal (/portal): last name, date of birth, PIN")
    for (first, last), (dob, pin) in demo.DEMO_PORTAL.items():
        print(f"  {last:<11} {dob:%m/%d/%Y}   {pin}   ({first} {last})")
    return 0


def cmd_worker(_args) -> int:
    from .worker import run_forever

    print("Outbox worker running; Ctrl-C stops it.")
    try:
        run_forever()
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m therapy_portal")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database to the latest schema").set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed-demo", help="create the demo practice in an empty database")
    seed.add_argument("--if-empty", action="store_true", help="succeed quietly when a practice exists")
    seed.set_defaults(func=cmd_seed_demo)
    sub.add_parser("demo-logins", help="print the demo sign-ins").set_defaults(func=cmd_demo_logins)
    sub.add_parser("worker", help="deliver the outbox (the app's backend also runs one)").set_defaults(func=cmd_worker)
    cu = sub.add_parser("create-user", help="add a staff member (creates the practice if there is none)")
    cu.add_argument("email")
    cu.add_argument("name")
    cu.add_argument("--role", choices=[r.value for r in Role], default="counselor")
    cu.add_argument("--not-clinician", action="store_true")
    cu.add_argument("--password")
    cu.add_argument("--practice")
    cu.add_argument("--time-zone", default="America/Chicago")
    cu.set_defaults(func=cmd_create_user)
    args = parser.parse_args(argv)
    return args.func(args)

"""Alembic environment: the URL comes from the app's settings, the target from the models."""

from sqlmodel import SQLModel

import therapy_portal.models  # noqa: F401  (registers every table)
from alembic import context
from therapy_portal.db import get_engine, make_engine

target_metadata = SQLModel.metadata


def _render_item(type_, obj, autogen_context):
    # Keep generated migrations importable: name our own column types by module.
    if type_ == "type" and obj.__class__.__module__.startswith("therapy_portal."):
        autogen_context.imports.add("import therapy_portal.models.types")
        return f"therapy_portal.models.types.{obj.__class__.__name__}()"
    if type_ == "type" and obj.__class__.__module__.startswith("sqlmodel."):
        autogen_context.imports.add("import sqlmodel")
        return f"sqlmodel.sql.sqltypes.{obj.__class__.__name__}(length={getattr(obj, 'length', None)})"
    return False


def run_migrations() -> None:
    connectable = context.config.attributes.get("connection")
    url = context.config.attributes.get("url")
    if connectable is None:
        engine = make_engine(url) if url else get_engine()
        with engine.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

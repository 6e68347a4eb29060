"""The few places where SQLite and PostgreSQL need different SQL. Nothing else may branch on
the dialect."""

from __future__ import annotations

from functools import cache


def append_only_triggers(dialect_name: str, table: str) -> list[str]:
    """DDL that makes a table refuse UPDATE and DELETE (the audit log). Tampering then needs
    someone who can drop triggers, and `firegrid audit verify` still catches it."""
    message = f"{table} is append-only"
    if dialect_name == "postgresql":
        return [
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ]
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def drop_append_only_triggers(dialect_name: str, table: str) -> list[str]:
    if dialect_name == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_append_only()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
    ]


def spatial_extension(dialect_name: str) -> list[str]:
    """PostGIS must be enabled in the database; SpatiaLite is loaded per connection instead."""
    return ["CREATE EXTENSION IF NOT EXISTS postgis"] if dialect_name == "postgresql" else []


def bbox_intersects(dialect_name: str, column, bbox: tuple[float, float, float, float]):
    """`column`'s bounding box meets `bbox` (WGS-84): PostgreSQL's `&&` uses the GiST index;
    SpatiaLite compares the MBR stored in each geometry's header."""
    from sqlalchemy import func

    min_x, min_y, max_x, max_y = bbox
    if dialect_name == "postgresql":
        return column.op("&&")(func.ST_MakeEnvelope(min_x, min_y, max_x, max_y, 4326))
    return func.MbrIntersects(column, func.BuildMbr(min_x, min_y, max_x, max_y, 4326)) == 1


def rows_parameter(dialect_name: str, name: str, columns: list, rows: list[dict]):
    """A derived table `name` with `columns` holding `rows`, sent as one JSON parameter: the
    statement's text stays the same whatever the number of rows (so it is compiled and planned
    once), where a VALUES list would be rebuilt for every call."""
    from sqlalchemy import literal

    return rows_table(dialect_name, name, columns, literal(rows_json(rows)))


def rows_json(rows: list[dict]) -> str:
    """Rows as `rows_table` reads them: ids and aware times as text the databases read."""
    import orjson

    return orjson.dumps(rows).decode()


def rows_table(dialect_name: str, name: str, columns: list, parameter):
    """`rows_parameter`'s derived table over a parameter bound later (`bindparam(key)`, its
    value `rows_json(rows)`), for statements built once and run often."""
    from sqlalchemy import JSON, func, select

    if dialect_name == "postgresql":
        return (
            func.json_to_recordset(parameter.cast(JSON))
            .table_valued(*columns)
            .render_derived(name=name, with_types=True)
        )
    each = func.json_each(parameter).table_valued("value")
    return select(
        *(
            func.json_extract(each.c.value, f"$.{c.name}").cast(c.type).label(c.name)
            for c in columns
        )
    ).subquery(name)


def ids_by_key(session, table, keys: list[str], wanted: set[tuple]) -> dict[tuple, object]:
    """The ids of the rows of `table` whose unique `keys` columns equal one of the `wanted`
    tuples, by tuple: one probe of the unique index per tuple. An IN per column (or a
    row-value IN) let PostgreSQL, with statistics older than the table's growth, probe the
    index by its first column alone and filter every row of, say, a hotline's channel."""
    from sqlalchemy import and_, select, true
    from sqlalchemy import column as sql_column

    if not wanted:
        return {}
    dialect_name = session.get_bind().dialect.name
    probes = rows_parameter(
        dialect_name,
        "wanted",
        [sql_column(k, table.c[k].type) for k in keys],
        [dict(zip(keys, values, strict=True)) for values in wanted],
    )
    match = and_(*(table.c[k] == probes.c[k] for k in keys))
    if dialect_name == "postgresql":
        # A LATERAL subquery fenced with OFFSET 0 is planned on its own: a unique lookup.
        found = select(table.c.id).where(match).offset(0).lateral("found")
        query = select(*(probes.c[k] for k in keys), found.c.id).join(found, true())
    else:
        query = select(*(probes.c[k] for k in keys), table.c.id).join(table, match)
    return {tuple(row[:-1]): row[-1] for row in session.execute(query).all()}


class NearEach:
    """For each row of `probes` (a derived table), the rows of `geometry`'s table whose bounding
    box meets `box` (min_x, min_y, max_x, max_y: expressions over `probes`), that satisfy
    `where` (over the table alone) and whose columns equal the probe's in each (probe column,
    table column) of `same`: tuples of `keys` (columns of `probes`) then `columns`.

    `nearest` = (distance, limit), an expression over both tables and its bound: PostgreSQL
    then answers only each probe's row with the least distance within the limit (ties: the
    least `columns`), so that a dense neighbourhood does not send every row in the box back
    to be measured here; SQLite answers every row, and the caller still chooses.

    Built once, run often (`rows(session, **parameters)` with the values of the statement's
    bound parameters): building and adapting the statement cost more than running it.

    Each probe makes its own lookup in the spatial index, whatever the table statistics say.
    PostgreSQL: a LATERAL subquery that tests only the box, fenced with OFFSET 0 so that the
    planner can neither turn it into a hash join over the whole table nor use another index
    while statistics are stale. SQLite: the probes against SpatiaLite's R*Tree
    `idx_<table>_<column>` (keyed by rowid) first, then the rows by rowid, because in one
    statement its planner may start from another index of the table and rescan the R*Tree for
    every row."""

    def __init__(
        self,
        dialect_name: str,
        probes,
        keys: list,
        geometry,
        box,
        where: list,
        columns: list,
        same: tuple = (),
        nearest: tuple | None = None,
    ) -> None:
        from sqlalchemy import and_, select
        from sqlalchemy import column as sql_column
        from sqlalchemy import table as sql_table

        self.postgres = dialect_name == "postgresql"
        self.width, self.keys = len(same), len(keys)
        min_x, min_y, max_x, max_y = box
        rows = geometry.table
        if self.postgres:
            self.query = self._lateral(probes, keys, geometry, box, where, columns, same, nearest)
            return
        index = sql_table(
            f"idx_{rows.name}_{geometry.name}",
            *(sql_column(name) for name in ("pkid", "xmin", "xmax", "ymin", "ymax")),
        )
        meets = and_(
            index.c.xmin <= max_x,
            index.c.xmax >= min_x,
            index.c.ymin <= max_y,
            index.c.ymax >= min_y,
        )
        self.query = select(*keys, *(m for m, _ in same), index.c.pkid).select_from(probes)
        self.query = self.query.join(index, meets)
        self.where = where
        self.theirs, self.columns, self.rows_table = [t for _, t in same], columns, rows

    @staticmethod
    def _lateral(probes, keys, geometry, box, where, columns, same, nearest):
        from sqlalchemy import Column, func, select, true
        from sqlalchemy.dialects.postgresql import distinct_on
        from sqlalchemy.sql.util import ClauseAdapter
        from sqlalchemy.sql.visitors import iterate

        # Only the box is tested inside the fence: with `where` and `same` there too, a
        # planner misled by stale statistics (a table that grew since its last ANALYZE) took
        # a B-tree index on one of their columns and filtered every row of a category by the
        # box; the other conditions hold outside, over the few rows in the box.
        rows = geometry.table
        envelope = func.ST_MakeEnvelope(*box, 4326)
        needed = {c.name: c for c in columns}
        for condition in where:
            needed |= {
                e.name: e for e in iterate(condition) if isinstance(e, Column) and e.table is rows
            }
        needed |= {theirs.name: theirs for _, theirs in same}
        near = select(*needed.values()).where(geometry.op("&&")(envelope)).offset(0).lateral("near")
        adapt = ClauseAdapter(near).traverse
        query = (
            select(*keys, *(near.c[c.name] for c in columns))
            .select_from(probes)
            .join(near, true())
            .where(*(adapt(condition) for condition in where))
            .where(*(near.c[theirs.name] == mine for mine, theirs in same))
        )
        if nearest is not None:
            distance = adapt(nearest[0])
            query = (
                query.where(distance <= nearest[1])
                .ext(distinct_on(*keys))
                .order_by(*keys, distance, *(near.c[c.name] for c in columns))
            )
        return query

    def rows(self, session, **parameters) -> list[tuple]:
        from sqlalchemy import literal_column, select

        if self.postgres:
            return [tuple(row) for row in session.execute(self.query, parameters).all()]
        hits = session.execute(self.query, parameters).all()
        rowid = literal_column(f"{self.rows_table.name}.rowid")
        found = {}
        wanted = sorted({hit[-1] for hit in hits})
        for start in range(0, len(wanted), 10_000):  # within SQLite's limit on bound parameters
            chunk = wanted[start : start + 10_000]
            query = select(rowid, *self.theirs, *self.columns).where(rowid.in_(chunk), *self.where)
            for row in session.execute(query, parameters).all():
                found[row[0]] = tuple(row[1:])
        keys, width = self.keys, self.width
        return [
            (*hit[:keys], *row[width:])
            for hit in hits
            if (row := found.get(hit[-1])) is not None
            and tuple(hit[keys : keys + width]) == row[:width]
        ]


def claim(session, query):
    """Rows for a worker to process: on PostgreSQL locked and skipped by other workers
    (FOR UPDATE SKIP LOCKED); SQLite runs one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def insert_unless_present(session, table, values: dict, key: str) -> bool:
    """Insert a row unless one with the same unique `key` exists (ON CONFLICT DO NOTHING on
    both backends); whether it was inserted. Safe when two transactions try at once."""
    return insert_many_unless_present(session, table, [values], key) > 0


# The change clock (offline sync's cursor) lives in the audit chain's head row: every write
# transaction already locks that row for its audit event, so one row serialises both and no
# two locks can be taken in opposite orders. Numbers are therefore handed out in commit order.
CLOCK_TABLE, CLOCK_COLUMN = "audit_chain_head", "change_seq"


def insert_many_unless_present(session, table, rows: list[dict], key: str) -> int:
    """Insert rows, skipping those whose unique `key` is taken (ON CONFLICT DO NOTHING on
    both backends, so two concurrent runs insert each row once); how many were inserted."""
    return len(inserted_unless_present(session, table, rows, [key]))


def inserted_unless_present(session, table, rows: list[dict], keys: list[str]) -> list[tuple]:
    """`insert_many_unless_present` with a unique key of one or more columns: the keys of the
    rows inserted (counted from RETURNING: drivers report no reliable rowcount for a batch)."""
    if not rows:
        return []
    returned = [table.c[k] for k in keys]
    if session.get_bind().dialect.name != "postgresql":
        from sqlalchemy.dialects.sqlite import insert

        statement = insert(table).on_conflict_do_nothing(index_elements=keys)
        return [tuple(r) for r in session.execute(statement.returning(*returned), rows).all()]
    rows = _bound_as_columns(session, table, rows)
    statement = _insert_from_json(table, tuple(rows[0]), tuple(keys))
    return [tuple(r) for r in session.execute(statement, {"incoming": rows_json(rows)}).all()]


def insert_rows(session, table, rows: list[dict], along: tuple | None = None) -> None:
    """Insert rows (each with the same keys) in one statement. PostgreSQL: as one JSON
    parameter: the driver's executemany binds and sends every row on its own, which cost more
    than the inserts themselves in the batches of complaint intake and sync pushes. SQLite
    runs in process: executemany.

    `along` = (statement, parameters), a write on another table that goes with the rows: on
    PostgreSQL it runs in the same statement (the insert as a data-modifying CTE), one round
    trip fewer while a writer holds the audit chain's head row; on SQLite, after the insert.
    Give it every value it writes: in the combined statement SQLAlchemy fills no Python-side
    defaults (a column's `onupdate` would be written as NULL)."""
    if not rows:
        if along is not None:
            session.execute(*along)
        return
    if session.get_bind().dialect.name == "postgresql":
        rows = _bound_as_columns(session, table, rows)
        incoming = {"incoming": rows_json(rows)}
        if along is None:
            session.execute(_insert_from_json(table, tuple(rows[0]), None), incoming)
        else:
            statement, parameters = along
            combined = _insert_along(table, tuple(rows[0]), statement)
            session.execute(combined, incoming | parameters)
    else:
        session.execute(table.insert(), rows)
        if along is not None:
            session.execute(*along)


@cache
def _insert_along(table, names: tuple[str, ...], statement):
    return statement.add_cte(_insert_from_json(table, names, None).cte(f"{table.name}_inserted"))


@cache
def _insert_from_json(table, names: tuple[str, ...], unless_present: tuple[str, ...] | None):
    """`INSERT ... SELECT` of rows sent as one JSON parameter, `incoming` (PostgreSQL;
    `rows_table`), built once per table and set of columns. A multi-row VALUES of thousands
    of rows costs more to build and parse in the driver than to insert, and executemany sends
    each row on its own. With `unless_present` (key columns): ON CONFLICT DO NOTHING,
    returning the keys inserted."""
    from sqlalchemy import String, bindparam, select
    from sqlalchemy import column as sql_column
    from sqlalchemy.dialects.postgresql import insert

    incoming = rows_table(
        "postgresql",
        "incoming",
        [sql_column(name, table.c[name].type) for name in names],
        bindparam("incoming", type_=String),
    )
    statement = insert(table).from_select(names, select(*(incoming.c[name] for name in names)))
    if unless_present is None:
        return statement
    return statement.on_conflict_do_nothing(index_elements=list(unless_present)).returning(
        *(table.c[k] for k in unless_present)
    )


def _bound_as_columns(session, table, rows: list[dict]) -> list[dict]:
    """Rows whose values in columns of our own types (`UTCDateTime`) are bound as SQLAlchemy
    would bind them: the JSON parameter bypasses its bind processing, and a naive time must be
    refused here too rather than read in the server's time zone."""
    from sqlalchemy.types import TypeDecorator

    dialect = session.get_bind().dialect
    decorated = [
        (k, table.c[k].type) for k in rows[0] if isinstance(table.c[k].type, TypeDecorator)
    ]
    if not decorated:
        return rows
    return [
        row | {k: kind.process_bind_param(row[k], dialect) for k, kind in decorated} for row in rows
    ]


def refresh_statistics(session, table) -> None:
    """After a bulk write to a table (tens of thousands of rows), let PostgreSQL's planner know:
    until autovacuum gets to it, it plans for the table as it was (a nested loop over what it
    thinks is one row took minutes on 85,000). SQLite plans without statistics."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text(f"ANALYZE {table.name}"))


def change_stamp_triggers(dialect_name: str, table: str) -> list[str]:
    """DDL that gives every inserted or updated row of `table` the next change number in its
    `change_seq` column, whatever code path writes it."""
    bump = f"UPDATE {CLOCK_TABLE} SET {CLOCK_COLUMN} = {CLOCK_COLUMN} + 1 WHERE id = 1"
    if dialect_name == "postgresql":
        return [
            f"CREATE TRIGGER {table}_change_stamp BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION firegrid_change_stamp()",
        ]
    stamp = (
        f"UPDATE {table} SET change_seq = (SELECT {CLOCK_COLUMN} FROM {CLOCK_TABLE} WHERE id = 1) "
        "WHERE rowid = NEW.rowid"
    )
    return [
        f"CREATE TRIGGER {table}_change_stamp_insert AFTER INSERT ON {table} "
        f"BEGIN {bump}; {stamp}; END",
        # The WHEN clause skips the trigger's own stamping update.
        f"CREATE TRIGGER {table}_change_stamp_update AFTER UPDATE ON {table} "
        f"WHEN NEW.change_seq IS OLD.change_seq BEGIN {bump}; {stamp}; END",
    ]


STAMP_BLOCK = 1000  # change numbers a PostgreSQL transaction takes from the head at a time


def change_stamp_function(dialect_name: str) -> list[str]:
    """PostgreSQL's stamp: numbers come from blocks taken from the head row, one update of the
    row per `STAMP_BLOCK` stamped rows (kept in transaction-local settings), because updating
    one row for every stamped row slows down with the count inside a transaction. Taking a
    block locks the head row to commit, as before, so numbers stay in commit order and every
    number a committed transaction used is at or below the head."""
    if dialect_name != "postgresql":
        return []
    return [
        "CREATE OR REPLACE FUNCTION firegrid_change_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE "
        "next_seq bigint := NULLIF(current_setting('firegrid.stamp_next', true), '')::bigint; "
        "last_seq bigint := NULLIF(current_setting('firegrid.stamp_last', true), '')::bigint; "
        "BEGIN "
        "IF next_seq IS NULL OR last_seq IS NULL OR next_seq > last_seq THEN "
        f"UPDATE {CLOCK_TABLE} SET {CLOCK_COLUMN} = {CLOCK_COLUMN} + {STAMP_BLOCK} WHERE id = 1 "
        f"RETURNING {CLOCK_COLUMN} INTO last_seq; "
        f"next_seq := last_seq - {STAMP_BLOCK - 1}; "
        "PERFORM set_config('firegrid.stamp_last', last_seq::text, true); "
        "END IF; "
        "NEW.change_seq := next_seq; "
        "PERFORM set_config('firegrid.stamp_next', (next_seq + 1)::text, true); "
        "RETURN NEW; END $$",
    ]


def drop_change_stamp(dialect_name: str, tables: list[str]) -> list[str]:
    if dialect_name == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {t}_change_stamp ON {t}" for t in tables] + [
            "DROP FUNCTION IF EXISTS firegrid_change_stamp()"
        ]
    return [
        f"DROP TRIGGER IF EXISTS {t}_change_stamp_{when}"
        for t in tables
        for when in ("insert", "update")
    ]

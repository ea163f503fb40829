"""Does a connection pooler keep each client's search_path? (docs/decisions/0022, PgBouncer)

django-tenants sets the organisation's schema with a session-level `SET search_path` before
each query. Behind a pooler in transaction mode, an autocommit query can then run on a server
connection carrying another client's search path. This check makes two clients set different
search paths and read, in autocommit, a table that exists in both schemas; it exits 1 when a
client reads the other's row. Run it against the pooler before pointing the portal at it.

Usage: python scripts/pooler_check.py postgres://user@pooler-host:6432/dbname
(two scratch schemas, pooler_check_a and pooler_check_b, are created and dropped again)
"""

from __future__ import annotations

import sys

import psycopg

SCHEMAS = ("pooler_check_a", "pooler_check_b")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    url = argv[1]
    with psycopg.connect(url, autocommit=True) as setup:
        for schema in SCHEMAS:
            setup.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            setup.execute(f"CREATE SCHEMA {schema}")
            setup.execute(f"CREATE TABLE {schema}.t (v text)")
            setup.execute(f"INSERT INTO {schema}.t VALUES (%s)", [schema])  # noqa: S608 - constant names
    try:
        a = psycopg.connect(url, autocommit=True, prepare_threshold=None)
        b = psycopg.connect(url, autocommit=True, prepare_threshold=None)
        with a, b:
            a.execute(f"SET search_path = {SCHEMAS[0]}, public")
            b.execute(f"SET search_path = {SCHEMAS[1]}, public")
            read_a = a.execute("SELECT v FROM t").fetchone()
            read_b = b.execute("SELECT v FROM t").fetchone()
    finally:
        with psycopg.connect(url, autocommit=True) as cleanup:
            for schema in SCHEMAS:
                cleanup.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    found = (read_a[0] if read_a else None, read_b[0] if read_b else None)
    if found != SCHEMAS:
        print(f"FAIL: clients A and B read {found}, expected {SCHEMAS}: the pooler does not keep")
        print("each client's search_path; use session mode or search_path tracking (ADR 0022).")
        return 1
    print("OK: each client read its own schema.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

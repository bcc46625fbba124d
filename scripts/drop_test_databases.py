"""Drop the scratch test database and its per-worker copies."""

import sys

import psycopg

host, port, user, name = sys.argv[1:]
with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as conn:
    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
        (name, name + "\\_%"),
    ).fetchall()
    for (db,) in rows:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

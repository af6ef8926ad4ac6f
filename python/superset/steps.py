"""Run several `superset` CLI commands in one Python process, timing each.

    python steps.py STEPS.json

STEPS.json is a list of steps, in order:
  {"name": "...", "argv": ["import-dashboards", "-p", "bundle.zip", "-u", "admin"]}
      the `superset` command line, run in-process by Superset's own click group (the same
      code as the `superset` executable; loading Superset costs ~20 s per process on two
      busy cores, so one process runs them all);
  {"name": "...", "import_assets": "bundle.zip", "username": "admin"}
      the bundle imported by superset/bootstrap/import_assets.py (Superset's assets importer,
      which replaces the bundle's datasets and charts; init.sh runs the same file);
  {"name": "...", "snapshot": "out.json"}
      the imported assets as Superset's metadata database holds them (ids, uuids, params),
      for comparing two imports;
  {"name": "...", "argv": ["run", "-h", "127.0.0.1", "-p", "8088", ...]}
      the web server, last: it runs until the process is stopped.

Each step prints `[superset] <name>: <seconds> s` on stderr. A failing step (non-zero exit,
or an exception) stops here with exit code 1 and the step's name.
"""

import json
import logging
import sys
import time


def enable_logging() -> None:
    """`db upgrade` runs alembic's fileConfig, which disables every logger that already exists
    (Superset's among them): a later step's `logger.exception` would vanish. Undo that."""
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False
    if not logging.root.handlers:
        logging.basicConfig(level=logging.INFO)


TABLES = {
    "dbs": ["id", "uuid", "database_name", "sqlalchemy_uri", "extra", "expose_in_sqllab"],
    "tables": ["id", "uuid", "table_name", "schema", "database_id", "main_dttm_col", "sql"],
    "table_columns": ["id", "uuid", "table_id", "column_name", "type", "is_dttm", "expression"],
    "sql_metrics": ["id", "uuid", "table_id", "metric_name", "expression", "d3format"],
    "slices": [
        "id",
        "uuid",
        "slice_name",
        "viz_type",
        "datasource_id",
        "datasource_type",
        "params",
        "query_context",
    ],
    "dashboards": ["id", "uuid", "dashboard_title", "slug", "position_json", "json_metadata"],
    "dashboard_slices": ["dashboard_id", "slice_id"],
}


def plain(column: str, value: object) -> object:
    """JSON-able: uuids (16 bytes in SQLite) as their text form, other values as text."""
    import uuid

    if column == "uuid" and isinstance(value, (bytes, bytearray)) and len(value) == 16:
        return str(uuid.UUID(bytes=bytes(value)))
    if isinstance(value, (int, float, type(None))):
        return value
    return str(value)


def snapshot(out: str) -> None:
    from sqlalchemy import text

    from superset import db

    rows = {}
    for table, columns in TABLES.items():
        result = db.session.execute(
            # Table and column names are the constants above, never input.
            text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}, {columns[1]}")  # noqa: S608
        )
        rows[table] = [{c: plain(c, v) for c, v in zip(columns, row, strict=True)} for row in result]
    with open(out, "w") as f:
        json.dump(rows, f, indent=1, sort_keys=True)


def loopback_only() -> None:
    """ADTECH_LOOPBACK_ONLY=1 (the tests): name lookups and connections to anything but this
    machine fail here, before any packet leaves, and are reported on stderr as
    `[superset] network guard: blocked HOST:PORT` for the caller to check."""
    import ipaddress
    import socket

    real_getaddrinfo = socket.getaddrinfo

    def is_loopback(host: object) -> bool:
        if host in (None, "localhost", b"localhost"):
            return True
        try:
            return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host)).is_loopback
        except ValueError:
            return False

    def guarded(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not is_loopback(host):
            print(f"[superset] network guard: blocked {host}:{port}", file=sys.stderr, flush=True)
            raise socket.gaierror(socket.EAI_NONAME, f"blocked by the loopback-only guard: {host}")
        return real_getaddrinfo(host, port, *args, **kwargs)

    socket.getaddrinfo = guarded


def load_import_assets():
    """superset/bootstrap/import_assets.py, the stack's importer (not a package: load by path)."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "superset/bootstrap/import_assets.py"
    spec = importlib.util.spec_from_file_location("import_assets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    import os

    if os.environ.get("ADTECH_LOOPBACK_ONLY") == "1":
        loopback_only()
    with open(sys.argv[1]) as f:
        steps = json.load(f)
    started = time.monotonic()
    from superset.cli.main import superset as cli

    print(f"[superset] load superset: {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    for step in steps:
        name = step["name"]
        began = time.monotonic()
        enable_logging()
        if (step.get("argv") or [""])[0] == "run":
            print(f"[superset] {name}: starting", file=sys.stderr, flush=True)
        try:
            if "snapshot" in step:
                from superset.app import create_app

                with create_app().app_context():
                    snapshot(step["snapshot"])
            elif "import_assets" in step:
                from superset.app import create_app

                with create_app().app_context():
                    load_import_assets().import_assets(step["import_assets"], step["username"])
            else:
                cli.main(args=step["argv"], prog_name="superset", standalone_mode=False)
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                print(f"[superset] step '{name}' failed (exit {exit_.code})", file=sys.stderr, flush=True)
                return 1
        except Exception as error:
            print(f"[superset] step '{name}' failed: {error!r}", file=sys.stderr, flush=True)
            return 1
        print(f"[superset] {name}: {time.monotonic() - began:.1f} s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

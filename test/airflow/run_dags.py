"""Real `dag.test()` runs of generated DAG files on real Airflow (driven by run-dags.test.ts).

    python run_dags.py CONFIG_JSON OUT_JSON

Runs inside one of the project's Airflow virtualenvs with AIRFLOW_HOME set to a scratch folder
whose SQLite metadata database `airflow db migrate` has created. CONFIG_JSON:

    {"dags_folder": DIR, "docker_url": "unix:///.../docker.sock",
     "variables": {key: value}, "connections": {conn_id: {conn_type, host, schema, port, ...}},
     "runs": [{"dag_id": ..., "logical_date": ISO | null | "now"}]}

Variables and Connections are written to the metadata database as `airflow variables set` /
`airflow connections add` would (the DAGs read them at run time: on Airflow 3 through the Task SDK,
whose in-process supervisor serves them from the execution API). Each DAG comes from a DagBag of
DIR; the only change made to it is each task's docker_url, pointed at the test's Docker Engine
stand-in (the generated files name the production socket). Then `dag.test()` runs it with the real
DockerOperator. OUT_JSON gets, per run, the run's state and every task instance (state, try
number), and at the end what Airflow stored: rendered template fields, XComs, and the text of every
file under AIRFLOW_HOME/logs.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def airflow_major() -> int:
    import airflow

    return int(airflow.__version__.split(".")[0])


def store_secrets(config) -> None:
    from airflow.models import Connection
    from airflow.utils.session import create_session

    try:  # Airflow 3: the core model (the SDK's Variable has no set() against the database)
        from airflow.models.variable import Variable
    except ImportError:  # pragma: no cover
        from airflow.models import Variable

    for key, value in config.get("variables", {}).items():
        Variable.set(key, value)
    with create_session() as session:
        for conn_id, fields in config.get("connections", {}).items():
            session.add(Connection(conn_id=conn_id, **fields))
    # The stack creates the pools at start (airflow-init); dag.test() does not.
    from airflow.models.pool import Pool

    for name, slots in config.get("pools", {}).items():
        Pool.create_or_update_pool(
            name=name, slots=slots, description="run-dags test", include_deferred=False
        )


def load_dags(folder):
    try:  # Airflow 3
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag

    try:  # Airflow 2
        return DagBag(dag_folder=folder, include_examples=False)
    except TypeError:  # Airflow 3.2+: examples follow [core] load_examples (False here)
        return DagBag(dag_folder=folder)


def as_text(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def run_one(bag, run, docker_url, major):
    import pendulum

    dag = bag.get_dag(run["dag_id"])
    if dag is None:
        return {"dag_id": run["dag_id"], "error": "not in the DagBag"}
    for task in dag.tasks:
        task.docker_url = docker_url
    kwargs = {}
    logical = run.get("logical_date", "now")
    if logical != "now":
        value = None if logical is None else pendulum.parse(logical)
        kwargs["logical_date" if major >= 3 else "execution_date"] = value
    out = {"dag_id": dag.dag_id}
    try:
        dag_run = dag.test(**kwargs)
    except Exception:
        out["error"] = traceback.format_exc()
        return out
    from airflow.utils.session import create_session

    with create_session() as session:
        try:
            from airflow.models.dagrun import DagRun
        except ImportError:  # pragma: no cover
            from airflow.models import DagRun
        fresh = session.query(DagRun).filter_by(dag_id=dag.dag_id, run_id=dag_run.run_id).one()
        out["run_id"] = fresh.run_id
        out["state"] = str(getattr(fresh.state, "value", fresh.state))
        out["tasks"] = {
            ti.task_id: {
                "state": str(getattr(ti.state, "value", ti.state)),
                "try_number": ti.try_number,
            }
            for ti in fresh.get_task_instances(session=session)
        }
    return out


def stored(home):
    from airflow.utils.session import create_session
    from sqlalchemy import text

    out = {"rendered": [], "xcom": [], "log_files": {}}
    with create_session() as session:
        for row in session.execute(
            text("SELECT dag_id, task_id, run_id, rendered_fields FROM rendered_task_instance_fields")
        ):
            out["rendered"].append(
                {"dag_id": row[0], "task_id": row[1], "run_id": row[2], "fields": as_text(row[3])}
            )
        for row in session.execute(text("SELECT dag_id, task_id, run_id, key, value FROM xcom")):
            out["xcom"].append(
                {
                    "dag_id": row[0],
                    "task_id": row[1],
                    "run_id": row[2],
                    "key": row[3],
                    "value": as_text(row[4]),
                }
            )
    # Asset (2.x: dataset) events the runs emitted, and the DAGs they queued for a run.
    tables = [
        ("asset_event", "asset", "asset_id", "asset_dag_run_queue"),
        ("dataset_event", "dataset", "dataset_id", "dataset_dag_run_queue"),
    ]
    for events, assets, key, queue in tables:
        try:
            with create_session() as session:
                out["asset_events"] = sorted(
                    row[0]
                    for row in session.execute(
                        text(f"SELECT a.uri FROM {events} e JOIN {assets} a ON a.id = e.{key}")
                    )
                )
                out["queued"] = sorted(
                    f"{row[0]} <- {row[1]}"
                    for row in session.execute(
                        text(
                            f"SELECT q.target_dag_id, a.uri FROM {queue} q JOIN {assets} a ON a.id = q.{key}"
                        )
                    )
                )
            break
        except Exception:  # the other version's tables
            continue
    logs = os.path.join(home, "logs")
    for root, _dirs, files in os.walk(logs):
        for name in files:
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="replace") as handle:
                out["log_files"][os.path.relpath(path, home)] = handle.read()
    return out


def main() -> None:
    config_path, out_path = sys.argv[1], sys.argv[2]
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    from airflow.providers.docker import __version__ as docker_provider_version

    import airflow

    major = airflow_major()
    report = {
        "airflow_version": airflow.__version__,
        "docker_provider_version": docker_provider_version,
        "runs": [],
    }
    try:
        store_secrets(config)
        bag = load_dags(config["dags_folder"])
        report["import_errors"] = {key: str(value) for key, value in bag.import_errors.items()}
        if major == 2:
            # What the 2.x DAG processor does before any run (3.x dag.test() syncs its bundle
            # itself): without the DAGs and their datasets in the database, a task's outlets
            # record no dataset event and queue nothing.
            bag.sync_to_db()
        for run in config["runs"]:
            report["runs"].append(run_one(bag, run, config["docker_url"], major))
        report["stored"] = stored(os.environ["AIRFLOW_HOME"])
    except Exception:
        report["error"] = traceback.format_exc()
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1, default=str)


if __name__ == "__main__":
    main()

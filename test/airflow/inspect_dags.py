"""Airflow's own view of generated DAG files, as JSON in OUT_FILE (driven by airflow.test.ts).

A file, not stdout: Airflow logs to stdout.

    python inspect_dags.py OUT_FILE RUN_JSON FOLDER...

Runs inside one of the project's Airflow virtualenvs (.venvs/airflow-2, .venvs/airflow-3) with
AIRFLOW_HOME set to a scratch folder. For each FOLDER it fills a DagBag (no examples), turns every
DAG into Airflow's serialized form and back (what the scheduler and the UI work from), and reports
per DAG and task what that form holds. Values the serialized form does not carry (a
DockerOperator's entrypoint, docker_url, ... and our secret_env) come from the parsed operator.
Template fields are also rendered by Airflow itself (render_template_fields with the DAG's Jinja
environment and user macros) for the fake run RUN_JSON describes:

    {"run_id": ..., "data_interval_start": ISO, "data_interval_end": ISO}

Deprecation warnings raised by Airflow, its providers or the DAG files while the files are parsed
and serialized are errors: the file fails to import and its import error says why.
"""

from __future__ import annotations

import copy
import datetime
import inspect
import json
import os
import sys
import threading
import warnings

import airflow  # Import-time warnings of Airflow itself concern its configuration, not our files.

try:  # Airflow 3
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2
    from airflow.models.dagbag import DagBag
try:  # Airflow 3
    from airflow.serialization.serialized_objects import DagSerialization as Serializer
except ImportError:  # Airflow 2
    from airflow.serialization.serialized_objects import SerializedDAG as Serializer

import pendulum
from airflow.exceptions import AirflowProviderDeprecationWarning

DEPRECATIONS: list[type[Warning]] = [AirflowProviderDeprecationWarning]
try:  # Airflow 2
    from airflow.exceptions import RemovedInAirflow3Warning

    DEPRECATIONS.append(RemovedInAirflow3Warning)
except ImportError:
    pass
try:  # Airflow 3: e.g. airflow.models.dagbag.DagBag, airflow.hooks.base.BaseHook
    from airflow.utils.deprecation_tools import DeprecatedImportWarning

    DEPRECATIONS.append(DeprecatedImportWarning)
except ImportError:
    pass
try:  # Airflow 3
    from airflow.exceptions import RemovedInAirflow4Warning

    DEPRECATIONS.append(RemovedInAirflow4Warning)
except ImportError:
    pass


def strict_warnings() -> None:
    """Airflow's and the providers' deprecations are errors, whoever triggers them.

    Plain DeprecationWarning / PendingDeprecationWarning / FutureWarning are errors when they are
    attributed to Airflow's modules (airflow.*, the providers included) or to a DAG file (the
    DagBag imports those as unusual_prefix_<hash>_<name>). Allowed, because they are not ours to
    fix and not about our files: the same categories from other libraries Airflow imports lazily
    while parsing (Flask 2.3's `_app_ctx_stack` from flask_sqlalchemy on Airflow 2.11, ...); they
    are still recorded and reported, not failed.
    """
    warnings.simplefilter("always")
    ours = r"(airflow(\.|$)|unusual_prefix_)"
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("error", category=category, module=ours)
    for category in DEPRECATIONS:
        warnings.simplefilter("error", category)


def seconds(value):
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value)


def local_time(value, zone):
    if value is None:
        return None
    return pendulum.instance(value).in_timezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def zone_name(zone) -> str:
    return getattr(zone, "name", None) or str(zone)


def condition(node):
    """A serialized asset/dataset condition as {"all"|"any": [...]} with URIs as leaves."""
    kind = node.get("__type")
    if kind in ("asset_all", "dataset_all"):
        return {"all": [condition(inner) for inner in node["objects"]]}
    if kind in ("asset_any", "dataset_any"):
        return {"any": [condition(inner) for inner in node["objects"]]}
    if kind in ("asset", "dataset"):
        return node.get("uri") or node["__var"]["uri"]
    if "__var" in node:
        return condition(node["__var"])
    return {"unknown": node}


def schedule(serialized_timetable):
    kind = serialized_timetable["__type"].rsplit(".", 1)[-1]
    var = serialized_timetable.get("__var") or {}
    if kind == "NullTimetable":
        return {"kind": "manual", "timetable": kind}
    if kind == "OnceTimetable":
        return {"kind": "once", "timetable": kind}
    if kind in ("CronDataIntervalTimetable", "CronTriggerTimetable"):
        return {
            "kind": "cron",
            "timetable": kind,
            "cron": var.get("expression"),
            "timezone": var.get("timezone"),
        }
    if kind in ("AssetTriggeredTimetable", "DatasetTriggeredTimetable"):
        expression = var.get("asset_condition") or var.get("dataset_condition")
        return {"kind": "assets", "timetable": kind, "condition": condition(expression)}
    return {"kind": "other", "timetable": kind, "var": var}


def uri_of(outlet):
    return getattr(outlet, "uri", None) or str(outlet)


class FakeDagRun:
    def __init__(self, run):
        self.run_id = run["run_id"]
        self.data_interval_start = pendulum.parse(run["data_interval_start"])
        self.data_interval_end = pendulum.parse(run["data_interval_end"])
        self.run_after = self.data_interval_end
        self.conf = {}


class FakeTaskInstance:
    def __init__(self, task_id):
        self.task_id = task_id
        self.try_number = 1


def rendered(dag, task, run):
    """The task's template fields rendered by Airflow for the fake run (or the error)."""
    dag_run = FakeDagRun(run)
    context = {
        "dag": dag,
        "dag_run": dag_run,
        "run_id": dag_run.run_id,
        "ti": FakeTaskInstance(task.task_id),
        "task_instance": FakeTaskInstance(task.task_id),
        "task": task,
        "params": {},
        "conf": None,
        "macros": None,
        "var": {},
    }
    copy_ = copy.copy(task)
    try:
        copy_.render_template_fields(context, jinja_env=dag.get_template_env())
    except Exception as error:  # reported as a mismatch by the test
        return {"error": f"{type(error).__name__}: {error}"}
    return {
        "image": copy_.image,
        "command": copy_.command,
        "environment": copy_.environment,
    }


def describe(live, run):
    serialized = Serializer.to_dict(live)
    # What the scheduler and the UI read: the serialized form, through JSON, deserialized.
    restored = Serializer.from_dict(json.loads(json.dumps(serialized)))
    dag_dict = serialized["dag"]
    owner = (getattr(live, "default_args", None) or {}).get("owner")
    tasks = []
    for live_task in live.tasks:
        task = restored.get_task(live_task.task_id)
        tasks.append(
            {
                "task_id": task.task_id,
                "task_type": getattr(task, "task_type", None) or type(live_task).__name__,
                "upstream": sorted(task.upstream_task_ids),
                "owner": task.owner,
                "doc_md": task.doc_md,
                "retries": task.retries,
                "retry_delay": seconds(task.retry_delay),
                "retry_exponential_backoff": bool(task.retry_exponential_backoff),
                "max_retry_delay": seconds(task.max_retry_delay),
                "execution_timeout": seconds(task.execution_timeout),
                # Not part of the serialized form: read from the operator the DAG file built.
                "skip_on_exit_code": sorted(getattr(live_task, "skip_on_exit_code", None) or []),
                "pool": task.pool,
                "pool_slots": task.pool_slots,
                "do_xcom_push": task.do_xcom_push,
                "outlets": sorted(uri_of(outlet) for outlet in (task.outlets or [])),
                "image": task.image,
                "command": task.command,
                "environment": task.environment,
                "template_fields": list(task.template_fields),
                "rendered": rendered(live, live_task, run),
                "operator": {
                    "entrypoint": live_task.entrypoint,
                    "docker_url": live_task.docker_url,
                    "network_mode": live_task.network_mode,
                    "auto_remove": str(live_task.auto_remove),
                    "mount_tmp_dir": live_task.mount_tmp_dir,
                    "secret_env": {
                        env: list(where) for env, where in getattr(live_task, "secret_env", {}).items()
                    },
                    "private_environment": getattr(live_task, "_private_environment", None)
                    or getattr(live_task, "private_environment", None)
                    or {},
                },
            }
        )
    return {
        "dag_id": restored.dag_id,
        "fileloc": live.fileloc,
        "description": restored.description,
        "doc_md": restored.doc_md,
        "owner": owner,
        "tags": sorted(restored.tags or []),
        "timezone": zone_name(restored.timezone),
        "start_date": local_time(restored.start_date, restored.timezone),
        "end_date": local_time(restored.end_date, restored.timezone),
        "catchup": restored.catchup,
        "max_active_runs": restored.max_active_runs,
        "max_active_tasks": restored.max_active_tasks,
        "dagrun_timeout": seconds(restored.dagrun_timeout),
        "has_on_failure_callback": bool(dag_dict.get("has_on_failure_callback") or live.on_failure_callback),
        "user_defined_macros": sorted((live.user_defined_macros or {}).keys()),
        # Airflow 2 leaves the timetable out of the serialized form when it is the default one.
        "schedule": schedule(dag_dict.get("timetable") or {"__type": type(restored.timetable).__name__}),
        "tasks": tasks,
    }


class Webhook:
    """A loopback HTTP server standing in for the failure webhook; keeps the bodies posted."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, HTTPServer

        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                bodies.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def connection(self):
        return json.dumps(
            {
                "conn_type": "http",
                "host": "127.0.0.1",
                "schema": "http",
                "port": self.server.server_port,
                "password": "/hook",
            }
        )


def dag_failure_callbacks(bag, run):
    """Airflow 3 only: each DAG-level failure callback run the way the dag-processor runs it.

    Airflow 3 runs DAG callbacks in the dag-processor (_execute_dag_callbacks). Without a last
    task instance from the server (a dagrun_timeout, a run failed before any task ran) the
    context is only {dag, run_id, reason}. Reports what each callback posted to the webhook.
    Airflow 2 runs them with a full task-instance context from the metadata database; not here.
    """
    try:
        from airflow.callbacks.callback_requests import DagCallbackRequest
        from airflow.dag_processing.processor import _execute_dag_callbacks
    except ImportError:
        return None
    import structlog

    webhook = Webhook()
    out = {}
    for dag_id, dag in sorted(bag.dags.items()):
        callback = dag.on_failure_callback
        if not callback:
            continue
        callbacks = callback if isinstance(callback, list) else [callback]
        for function in callbacks:
            name = getattr(function, "connection_id", None)  # adtech_airflow_runtime.failure_webhook
            if name:
                os.environ[f"AIRFLOW_CONN_{name.upper()}"] = webhook.connection()
        webhook.bodies.clear()
        request = DagCallbackRequest(
            filepath=os.path.basename(dag.fileloc),
            bundle_name="dags-folder",
            bundle_version=None,
            dag_id=dag_id,
            run_id=run["run_id"],
            msg="timed_out",
            is_failure_callback=True,
        )
        try:
            _execute_dag_callbacks(bag, request, structlog.get_logger())
            out[dag_id] = {"posted": [json.loads(body) for body in webhook.bodies]}
        except Exception as error:
            out[dag_id] = {"error": f"{type(error).__name__}: {error}"}
    webhook.server.shutdown()
    webhook.server.server_close()
    return out


def inspect_folder(folder, run):
    kwargs = {}
    if "include_examples" in inspect.signature(DagBag.__init__).parameters:
        kwargs["include_examples"] = False  # Airflow 2; Airflow 3's DagBag has no examples.
    with warnings.catch_warnings(record=True) as caught:
        strict_warnings()
        bag = DagBag(dag_folder=folder, **kwargs)
        dags, serialization_errors = {}, {}
        for dag_id, dag in sorted(bag.dags.items()):
            try:
                dags[dag_id] = describe(dag, run)
            except Exception as error:
                serialization_errors[dag_id] = f"{type(error).__name__}: {error}"
        callbacks = dag_failure_callbacks(bag, run)
    return {
        "folder": folder,
        "import_errors": dict(bag.import_errors),
        "captured_warnings": {
            file: list(messages) for file, messages in getattr(bag, "captured_warnings", {}).items()
        },
        "other_warnings": sorted(
            {f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught}
        ),
        "serialization_errors": serialization_errors,
        "dags": dags,
        "dag_failure_callbacks": callbacks,
    }


def main(argv):
    out_file, run = argv[1], json.loads(argv[2])
    try:
        from importlib.metadata import version

        docker_provider = version("apache-airflow-providers-docker")
    except Exception:  # pragma: no cover
        docker_provider = None
    out = {
        "airflow_version": airflow.__version__,
        "docker_provider_version": docker_provider,
        "folders": [inspect_folder(folder, run) for folder in argv[3:]],
    }
    with open(out_file, "w", encoding="utf-8") as handle:
        json.dump(out, handle, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv)

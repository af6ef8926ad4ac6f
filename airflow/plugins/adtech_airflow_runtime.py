"""Run-time support for the DAG files adtech-pipeline generates (`npm run gen-dags`).

Every generated file in airflow/dags imports this module and holds only declarations: the DAG,
its tasks and their arguments. What they share lives here, once, linted and tested on Airflow
2.11 and 3.x (airflow/plugins/tests, driven by test/codegen/runtime-module.test.ts):

- `AdtechDockerOperator`: a DockerOperator that reads its secrets (Airflow Variables or
  Connection fields, named in `secret_env`) when the task runs and passes them in the private
  environment, which is neither templated nor shown in the UI;
- `window_macros(timezone)`: the `adtech_window_start` / `adtech_window_end` Jinja macros, the
  run's window as whole days in the DAG's time zone;
- `failure_webhook(connection_id, dag_id)`: a DAG `on_failure_callback` posting a
  Slack-compatible message to the URL of an Airflow HTTP connection;
- `Asset`, `CronDataIntervalTimetable`: the version's classes under one name.

`target: kubernetes` DAG files also import `AdtechKubernetesPodOperator` from the sibling module
adtech_airflow_kubernetes.py (the cncf-kubernetes provider's KubernetesPodOperator with the same
`secret_env`), kept apart so Docker-target files do not load the provider and the Kubernetes client.

Deployment: Airflow puts `$AIRFLOW_HOME/plugins` on `sys.path` on 2.x and 3.x (scheduler, DAG
processor, workers, API server). Our image copies this file there (airflow/Dockerfile); any other
Airflow needs it there too, or anywhere else on the Python path (see dag-specs/README.md).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pendulum
from airflow.providers.docker.operators.docker import DockerOperator

try:  # Airflow 3
    from airflow.sdk import Asset, CronDataIntervalTimetable, Variable
except ImportError:  # Airflow 2
    from airflow.datasets import Dataset as Asset
    from airflow.models import Variable
    from airflow.timetables.interval import CronDataIntervalTimetable
try:  # Airflow 3.1+
    from airflow.sdk import BaseHook
except ImportError:  # Airflow 2 and 3.0
    from airflow.hooks.base import BaseHook
try:  # Airflow 3.1+
    from airflow.sdk.log import mask_secret
except ImportError:
    try:  # Airflow 3.0
        from airflow.sdk.execution_time.secrets_masker import mask_secret
    except ImportError:  # Airflow 2
        from airflow.utils.log.secrets_masker import mask_secret

__all__ = [
    "AdtechDockerOperator",
    "Asset",
    "CronDataIntervalTimetable",
    "failure_webhook",
    "read_secret",
    "window",
    "window_macros",
]

log = logging.getLogger(__name__)

# (kind, name, field, extra_key): an Airflow Variable ("variable", key, None, None) or a field of
# an Airflow Connection ("connection", conn_id, password|login|host|schema|port|uri|extra, key).
SecretSource = tuple[str, str, str | None, str | None]


def read_secret(env: str, kind: str, name: str, field: str | None, extra_key: str | None) -> str:
    """The value of one secret, from an Airflow Variable or a Connection field.

    Registered with Airflow's secret masker. Errors name the secret and where it was looked for,
    never a value.
    """
    try:
        if kind == "variable":
            value = Variable.get(name)
        else:
            connection = BaseHook.get_connection(name)
            if field == "uri":
                value = connection.get_uri()
            elif field == "extra" and extra_key is not None:
                value = connection.extra_dejson.get(extra_key)
            else:
                value = getattr(connection, field or "password")
    except Exception as error:
        raise RuntimeError(
            f"secret {env}: cannot read Airflow {kind} {name!r} ({type(error).__name__}); "
            "create it as the README describes"
        ) from None
    if value is None or str(value) == "":
        where = "" if kind == "variable" else f" in {field}"
        raise RuntimeError(f"secret {env}: Airflow {kind} {name!r} has no value{where}")
    value = str(value)
    mask_secret(value)
    return value


class AdtechDockerOperator(DockerOperator):
    """DockerOperator whose secrets are read when the task runs.

    `secret_env` maps an environment variable to a SecretSource. execute() reads them and adds
    them to the private environment (apache-airflow-providers-docker 4.x keeps it in
    `self._private_environment`), which is neither templated nor rendered in the UI. The DAG file
    holds only their names.
    """

    def __init__(self, *, secret_env: Mapping[str, SecretSource] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secret_env = dict(secret_env or {})

    def execute(self, context: Any) -> Any:
        secrets = {env: read_secret(env, *where) for env, where in sorted(self.secret_env.items())}
        self._private_environment = {**(self._private_environment or {}), **secrets}
        return super().execute(context)


def window(dag_run: Any, timezone: str) -> tuple[str, str]:
    """The run's window as whole days [since, until) in `timezone`, as YYYY-MM-DD.

    The data interval, widened to whole days; an empty one (Airflow 3 cron trigger timetables,
    manual runs) covers the day it falls in. A run without a data interval (Airflow 3
    asset-triggered or manual runs without a logical date) covers the day before run_after and
    run_after's day. codegen/window.ts (the local runner) computes the same.
    """
    zone = pendulum.timezone(timezone)
    start = getattr(dag_run, "data_interval_start", None)
    end = getattr(dag_run, "data_interval_end", None)
    if start is None or end is None:
        end = getattr(dag_run, "run_after", None) or pendulum.now("UTC")
        start = end - timedelta(days=1)
    since = start.astimezone(zone).date()
    until = (end.astimezone(zone) - timedelta(microseconds=1)).date() + timedelta(days=1)
    if until <= since:
        until = since + timedelta(days=1)
    return since.isoformat(), until.isoformat()


def window_macros(timezone: str) -> dict[str, Callable[[Any], str]]:
    """`user_defined_macros` for a DAG: `{{ adtech_window_start(dag_run) }}` and `..._end`."""
    pendulum.timezone(timezone)  # an unknown zone fails when the DAG file is parsed

    def adtech_window_start(dag_run: Any) -> str:
        return window(dag_run, timezone)[0]

    def adtech_window_end(dag_run: Any) -> str:
        return window(dag_run, timezone)[1]

    return {"adtech_window_start": adtech_window_start, "adtech_window_end": adtech_window_end}


def webhook_url(connection: Any) -> str:
    """host (with or without scheme), optional port, and the password as the path with the token."""
    host = (connection.host or "").rstrip("/")
    if "://" not in host:
        host = f"{connection.schema or 'https'}://{host}"
    if connection.port:
        host = f"{host}:{connection.port}"
    path = connection.password or ""
    return host + ("" if path.startswith("/") or path == "" else "/") + path


def failure_message(dag_id: str, context: Mapping[str, Any]) -> str:
    """`Airflow DAG <id> failed`, then the run, the task and the reason where the context has them.

    Airflow 3 runs DAG callbacks in the dag-processor, where the context may hold only `dag`,
    `run_id` and `reason`; Airflow 2 (and 3 with a last task instance) gives `dag_run` and
    `task_instance` too.
    """
    dag_run = context.get("dag_run")
    run_id = context.get("run_id") or getattr(dag_run, "run_id", None)
    task_instance = context.get("task_instance") or context.get("ti")
    lines = [f"Airflow DAG {dag_id} failed"]
    if run_id:
        lines.append(f"run: {run_id}")
    if task_instance is not None:
        lines.append(f"task: {getattr(task_instance, 'task_id', '?')}")
    if context.get("reason"):
        lines.append(f"reason: {context.get('reason')}")
    return "\n".join(lines)


def post_failure(connection_id: str, dag_id: str, context: Mapping[str, Any]) -> None:
    """Posts {"text": ...} (Slack-compatible) to the webhook of an Airflow HTTP connection.

    The webhook URL carries its token, so it is never logged: a failure is logged with the
    connection id and the HTTP status or error type only, and never raised (the run has failed
    already; a broken webhook must not hide why).
    """
    body = json.dumps({"text": failure_message(dag_id, context)}).encode("utf-8")
    try:
        url = webhook_url(BaseHook.get_connection(connection_id))
        if not url.startswith(("https://", "http://")):
            raise ValueError("the webhook connection is not an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 (http or https, checked above)
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (checked above)
            response.read()
    except urllib.error.HTTPError as error:
        log.warning("failure webhook (connection %s) answered HTTP %s", connection_id, error.code)
    except Exception as error:
        log.warning("failure webhook (connection %s) failed: %s", connection_id, type(error).__name__)


def failure_webhook(connection_id: str, dag_id: str) -> Callable[[Mapping[str, Any]], None]:
    """A DAG `on_failure_callback` posting to the webhook of HTTP connection `connection_id`."""

    def notify_failure(context: Mapping[str, Any]) -> None:
        post_failure(connection_id, dag_id, context)

    notify_failure.connection_id = connection_id  # type: ignore[attr-defined]
    return notify_failure

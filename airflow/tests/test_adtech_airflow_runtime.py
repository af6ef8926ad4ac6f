"""The runtime module of the generated DAG files, on the real Airflow of this virtualenv (2.11 or 3.x).

Secrets come from Airflow's own environment-variable backends (AIRFLOW_VAR_*, AIRFLOW_CONN_*),
which both versions read before anything else; no metadata database is needed.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import airflow
import pendulum
import pytest
from airflow.providers.docker.operators.docker import DockerOperator

import adtech_airflow_runtime as runtime

AIRFLOW_MAJOR = int(airflow.__version__.split(".")[0])
CASES = json.loads((Path(__file__).parent / "window_cases.json").read_text(encoding="utf-8"))

SECRETS = {
    "AIRFLOW_VAR_TEST_CLICKHOUSE_PASSWORD": "ch-s3cret",
    "AIRFLOW_CONN_FAKEADS_API": json.dumps(
        {"conn_type": "http", "password": "tok-s3cret", "extra": {"app_secret": "app-s3cret"}}
    ),
    "AIRFLOW_CONN_WAREHOUSE_DB": json.dumps(
        {
            "conn_type": "postgres",
            "host": "db",
            "login": "u",
            "password": "wh-s3cret",
            "schema": "shop",
            "port": 5432,
        }
    ),
}
SECRET_VALUES = ("ch-s3cret", "tok-s3cret", "app-s3cret", "wh-s3cret")


@pytest.fixture
def secrets(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def masked(monkeypatch):
    """Values handed to Airflow's secret masker."""
    seen: list[str] = []
    real = runtime.mask_secret

    def record(value, *args, **kwargs):
        seen.append(value)
        return real(value, *args, **kwargs)

    monkeypatch.setattr(runtime, "mask_secret", record)
    return seen


def test_imports_the_version_specific_names():
    if AIRFLOW_MAJOR >= 3:
        assert runtime.Asset.__module__.startswith("airflow.sdk")
        assert runtime.Variable.__module__.startswith("airflow.sdk")
    else:
        assert runtime.Asset.__name__ == "Dataset"
        assert runtime.Variable.__module__ == "airflow.models.variable"
    assert "secrets_masker" in runtime.mask_secret.__module__ or "log" in runtime.mask_secret.__module__
    assert type(runtime.Asset("x://a") | runtime.Asset("x://b")).__name__.endswith("Any")
    assert type(runtime.Asset("x://a") & runtime.Asset("x://b")).__name__.endswith("All")


# --- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("variable", "test_clickhouse_password", None, None), "ch-s3cret"),
        (("connection", "fakeads_api", "password", None), "tok-s3cret"),
        (("connection", "fakeads_api", "extra", "app_secret"), "app-s3cret"),
        (("connection", "warehouse_db", "login", None), "u"),
        (("connection", "warehouse_db", "host", None), "db"),
        (("connection", "warehouse_db", "schema", None), "shop"),
        (("connection", "warehouse_db", "port", None), "5432"),
        (("connection", "warehouse_db", "uri", None), "postgres://u:wh-s3cret@db:5432/shop"),
    ],
)
def test_read_secret_from_a_variable_or_a_connection_field(secrets, masked, where, value):
    assert runtime.read_secret("ENV", *where) == value
    assert masked == [value]


def test_read_secret_whole_extra_is_its_json(secrets):
    extra = runtime.read_secret("ENV", "connection", "fakeads_api", "extra", None)
    assert json.loads(extra) == {"app_secret": "app-s3cret"}


def test_a_missing_variable_names_the_secret_and_the_variable_never_a_value(secrets, caplog):
    with pytest.raises(RuntimeError) as raised:
        runtime.read_secret("CLICKHOUSE_PASSWORD", "variable", "adtech_clickhouse_password", None, None)
    message = str(raised.value)
    assert message.startswith(
        "secret CLICKHOUSE_PASSWORD: cannot read Airflow variable 'adtech_clickhouse_password' ("
    )
    assert message.endswith("); create it as the README describes")
    assert raised.value.__cause__ is None  # `from None`: no chained error that could carry values
    for value in SECRET_VALUES:
        assert value not in message
        assert value not in caplog.text


def test_a_missing_connection_and_an_empty_field_are_named(secrets):
    with pytest.raises(RuntimeError, match=r"^secret TOKEN: cannot read Airflow connection 'nope' \("):
        runtime.read_secret("TOKEN", "connection", "nope", "password", None)
    with pytest.raises(
        RuntimeError, match=r"^secret APP: Airflow connection 'fakeads_api' has no value in extra$"
    ):
        runtime.read_secret("APP", "connection", "fakeads_api", "extra", "other_key")
    with pytest.raises(
        RuntimeError, match=r"^secret LOGIN: Airflow connection 'fakeads_api' has no value in login$"
    ):
        runtime.read_secret("LOGIN", "connection", "fakeads_api", "login", None)


# --- the operator ----------------------------------------------------------------------------


def make_operator(**kwargs):
    return runtime.AdtechDockerOperator(
        task_id="extract",
        image="example/extractors:1.2.3",
        command=["fakeads", "--since", "{{ adtech_window_start(dag_run) }}"],
        environment={"CLICKHOUSE_USER": "pipeline"},
        secret_env={
            "FAKEADS_TOKEN": ("connection", "fakeads_api", "password", None),
            "CLICKHOUSE_PASSWORD": ("variable", "test_clickhouse_password", None, None),
            "FAKEADS_APP_SECRET": ("connection", "fakeads_api", "extra", "app_secret"),
        },
        do_xcom_push=False,
        **kwargs,
    )


def test_the_operator_reads_secrets_at_execute_into_the_private_environment_only(
    secrets, masked, monkeypatch
):
    seen = {}

    def fake_execute(self, context):  # DockerOperator.execute would start a container
        seen["private"] = dict(self._private_environment)
        seen["environment"] = dict(self.environment)

    monkeypatch.setattr(DockerOperator, "execute", fake_execute)
    operator = make_operator(private_environment={"KEEP": "me"})
    # Parsing the DAG file reads nothing: only the names are there.
    assert operator._private_environment == {"KEEP": "me"}
    assert masked == []

    operator.execute({})

    assert seen["private"] == {
        "KEEP": "me",
        "CLICKHOUSE_PASSWORD": "ch-s3cret",
        "FAKEADS_APP_SECRET": "app-s3cret",
        "FAKEADS_TOKEN": "tok-s3cret",
    }
    assert seen["environment"] == {"CLICKHOUSE_USER": "pipeline"}
    assert sorted(masked) == ["app-s3cret", "ch-s3cret", "tok-s3cret"]
    # Nothing Airflow renders or shows holds a secret.
    assert "private_environment" not in operator.template_fields
    assert "secret_env" not in operator.template_fields
    shown = json.dumps({field: getattr(operator, field) for field in operator.template_fields}, default=str)
    for value in SECRET_VALUES:
        assert value not in shown


def test_the_operator_fails_before_docker_when_a_secret_is_missing(monkeypatch):
    started = []
    monkeypatch.setattr(DockerOperator, "execute", lambda self, context: started.append(1))
    with pytest.raises(RuntimeError, match=r"^secret CLICKHOUSE_PASSWORD: cannot read Airflow variable"):
        make_operator().execute({})
    assert started == []


def test_the_operator_is_a_docker_operator_that_pushes_no_xcom_when_told():
    operator = make_operator()
    assert isinstance(operator, DockerOperator)
    assert operator.do_xcom_push is False
    assert operator.secret_env["CLICKHOUSE_PASSWORD"] == ("variable", "test_clickhouse_password", None, None)


# --- the run window --------------------------------------------------------------------------


def parse(text):
    return None if text is None else pendulum.parse(text)


def fake_run(case):
    run = SimpleNamespace(run_id="manual__1")
    if "data_interval_start" in case:
        run.data_interval_start = parse(case["data_interval_start"])
        run.data_interval_end = parse(case["data_interval_end"])
    if "run_after" in case:
        run.run_after = parse(case["run_after"])
    return run


@pytest.mark.parametrize("case", CASES["cases"], ids=[case["why"] for case in CASES["cases"]])
def test_the_window_is_the_data_interval_widened_to_whole_days_in_the_dag_time_zone(case):
    assert list(runtime.window(fake_run(case), CASES["timezone"])) == case["expected"]


def test_the_window_macros_render_through_the_dags_jinja_environment():
    from airflow import DAG

    dag = DAG(
        dag_id="window",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Berlin"),
        user_defined_macros=runtime.window_macros("Europe/Berlin"),
    )
    template = dag.get_template_env().from_string(
        "{{ adtech_window_start(dag_run) }}..{{ adtech_window_end(dag_run) }}"
    )
    run = fake_run(CASES["cases"][1])
    assert template.render(dag_run=run) == "2026-03-01..2026-03-02"


def test_the_window_macros_refuse_an_unknown_time_zone_when_the_file_is_parsed():
    with pytest.raises(Exception, match="Nowhere/Atlantis"):
        runtime.window_macros("Nowhere/Atlantis")


def test_the_window_of_a_cron_trigger_timetable_run_is_its_day():
    """Airflow 3's default for a cron string: data_interval_start == data_interval_end."""
    from airflow.timetables.base import DataInterval, TimeRestriction
    from airflow.timetables.trigger import CronTriggerTimetable

    timetable = CronTriggerTimetable("0 6 * * *", timezone="Europe/Berlin")
    info = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval.exact(pendulum.datetime(2026, 3, 1, 5, tz="UTC")),
        restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
    )
    assert info is not None
    interval = info.data_interval
    assert interval.start == interval.end == pendulum.datetime(2026, 3, 2, 5, tz="UTC")
    run = SimpleNamespace(data_interval_start=interval.start, data_interval_end=interval.end)
    assert runtime.window(run, "Europe/Berlin") == ("2026-03-02", "2026-03-03")


def test_a_run_without_any_time_covers_yesterday_and_today():
    since, until = runtime.window(SimpleNamespace(), "UTC")
    today = pendulum.now("UTC").date()
    assert (since, until) == (today.subtract(days=1).isoformat(), today.add(days=1).isoformat())


# --- the failure webhook ---------------------------------------------------------------------


class Webhook:
    """A loopback HTTP server standing in for Slack; keeps what was posted."""

    def __init__(self):
        requests = self.requests = []
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                requests.append(
                    {"path": self.path, "type": self.headers["Content-Type"], "body": json.loads(body)}
                )
                self.send_response(server.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.http = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def connection(self):
        return json.dumps(
            {
                "conn_type": "http",
                "host": "127.0.0.1",
                "schema": "http",
                "port": self.http.server_port,
                "password": "/services/T1/B2/hook-s3cret",
            }
        )


@pytest.fixture
def webhook(monkeypatch):
    hook = Webhook()
    monkeypatch.setenv("AIRFLOW_CONN_TEST_FAILURE_WEBHOOK", hook.connection())
    yield hook
    hook.http.shutdown()
    hook.http.server_close()


RUN_ID = "scheduled__2026-03-01T00:00:00+00:00"
CONTEXTS = {
    # Airflow 2, and 3 with a last task instance: the full context.
    "task": {
        "dag_run": SimpleNamespace(run_id=RUN_ID),
        "run_id": RUN_ID,
        "task_instance": SimpleNamespace(task_id="extract_fakeads__d1"),
        "reason": "task_failure",
    },
    # A context with dag_run but no run_id key.
    "dag_run only": {"dag_run": SimpleNamespace(run_id=RUN_ID), "reason": "task_failure"},
    # Airflow 3's dag-processor without a task instance (dagrun_timeout, ...).
    "dag-processor": {"dag": SimpleNamespace(dag_id="ads_daily"), "run_id": RUN_ID, "reason": "timed_out"},
}


@pytest.mark.parametrize("kind", sorted(CONTEXTS))
def test_the_failure_webhook_posts_the_dag_and_the_run(webhook, caplog, kind):
    caplog.set_level(logging.DEBUG)
    callback = runtime.failure_webhook("test_failure_webhook", "ads_daily")
    assert callback.connection_id == "test_failure_webhook"
    callback(CONTEXTS[kind])
    assert len(webhook.requests) == 1
    request = webhook.requests[0]
    assert request["path"] == "/services/T1/B2/hook-s3cret"
    assert request["type"] == "application/json"
    lines = request["body"]["text"].split("\n")
    assert lines[0] == "Airflow DAG ads_daily failed"
    assert f"run: {RUN_ID}" in lines
    assert ("task: extract_fakeads__d1" in lines) == (kind == "task")
    assert any(line.startswith("reason: ") for line in lines)
    assert "hook-s3cret" not in caplog.text
    assert "/services/" not in caplog.text


def test_a_failed_post_is_logged_without_the_url_or_token(webhook, caplog):
    webhook.status = 500
    callback = runtime.failure_webhook("test_failure_webhook", "ads_daily")
    with caplog.at_level(logging.WARNING, logger="adtech_airflow_runtime"):
        callback(CONTEXTS["task"])  # never raises
    ours = [record.getMessage() for record in caplog.records if record.name == "adtech_airflow_runtime"]
    assert ours == ["failure webhook (connection test_failure_webhook) answered HTTP 500"]
    for secret in ("hook-s3cret", "/services/", "127.0.0.1", str(webhook.http.server_port)):
        assert secret not in caplog.text


def test_a_missing_webhook_connection_is_logged_by_id(caplog):
    callback = runtime.failure_webhook("no_such_webhook", "ads_daily")
    with caplog.at_level(logging.WARNING, logger="adtech_airflow_runtime"):
        callback(CONTEXTS["dag-processor"])
    ours = [record.getMessage() for record in caplog.records if record.name == "adtech_airflow_runtime"]
    assert ours == ["failure webhook (connection no_such_webhook) failed: AirflowNotFoundException"]


@pytest.mark.parametrize(
    ("connection", "url"),
    [
        (
            {"host": "https://hooks.slack.com/", "password": "/services/T/B/X"},
            "https://hooks.slack.com/services/T/B/X",
        ),
        ({"host": "hooks.slack.com", "password": "services/T/B/X"}, "https://hooks.slack.com/services/T/B/X"),
        ({"host": "127.0.0.1", "schema": "http", "port": 8080, "password": "/h"}, "http://127.0.0.1:8080/h"),
        ({"host": "example.com"}, "https://example.com"),
    ],
)
def test_the_webhook_url_is_host_port_and_password_path(connection, url):
    fields = {"host": None, "schema": None, "port": None, "password": None, **connection}
    assert runtime.webhook_url(SimpleNamespace(**fields)) == url


def test_a_webhook_connection_that_is_not_http_is_refused(monkeypatch, caplog):
    monkeypatch.setenv(
        "AIRFLOW_CONN_FILE_WEBHOOK", json.dumps({"conn_type": "http", "host": "file:///etc/passwd"})
    )
    callback = runtime.failure_webhook("file_webhook", "ads_daily")
    with caplog.at_level(logging.WARNING, logger="adtech_airflow_runtime"):
        callback(CONTEXTS["task"])
    ours = [record.getMessage() for record in caplog.records if record.name == "adtech_airflow_runtime"]
    assert ours == ["failure webhook (connection file_webhook) failed: ValueError"]
    assert "passwd" not in caplog.text


def test_failure_message_without_anything_but_the_dag():
    assert runtime.failure_message("d", {}) == "Airflow DAG d failed"

"""AdtechKubernetesPodOperator on the real Airflow and cncf-kubernetes provider of this virtualenv.

No cluster: the provider's own `build_pod_request_obj(dry_run=True)` builds the pod, and
KubernetesPodOperator.execute (which would create it) is replaced by a function that builds it the
same way. Secrets come from Airflow's environment-variable backends (AIRFLOW_VAR_*, AIRFLOW_CONN_*).
"""

from __future__ import annotations

import json

import kubernetes_validate
import pytest
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret
from kubernetes.client import ApiClient
from kubernetes.client import models as k8s

import adtech_airflow_kubernetes as kubernetes_runtime
import adtech_airflow_runtime as runtime

VALUES = {"token": "tok-k8s-s3cret", "app": "app-k8s-s3cret", "clickhouse": "ch-k8s-s3cret"}


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_TEST_CLICKHOUSE_PASSWORD", VALUES["clickhouse"])
    monkeypatch.setenv(
        "AIRFLOW_CONN_FAKEADS_API",
        json.dumps(
            {"conn_type": "http", "password": VALUES["token"], "extra": {"app_secret": VALUES["app"]}}
        ),
    )


@pytest.fixture
def masked(monkeypatch):
    """Values handed to Airflow's secret masker (read_secret lives in the runtime module)."""
    seen: list[str] = []
    real = runtime.mask_secret

    def record(value, *args, **kwargs):
        seen.append(value)
        return real(value, *args, **kwargs)

    monkeypatch.setattr(runtime, "mask_secret", record)
    return seen


@pytest.fixture
def built_pods(monkeypatch):
    """Pods execute() would create: KubernetesPodOperator.execute builds the pod and stops."""
    pods = []

    def fake_execute(self, context):
        pods.append(ApiClient().sanitize_for_serialization(self.build_pod_request_obj(None, dry_run=True)))

    monkeypatch.setattr(KubernetesPodOperator, "execute", fake_execute)
    return pods


def make_operator(**kwargs):
    arguments = {
        "task_id": "extract",
        "namespace": "etl",
        "image": "example/extractors:1.2.3",
        "arguments": ["fakeads", "--since", "2026-03-01"],
        "env_vars": {"CLICKHOUSE_USER": "pipeline"},
        "secret_env": {
            "FAKEADS_TOKEN": ("connection", "fakeads_api", "password", None),
            "FAKEADS_APP_SECRET": ("connection", "fakeads_api", "extra", "app_secret"),
        },
        "secrets": [Secret("env", "CLICKHOUSE_PASSWORD", "clickhouse-credentials", "password")],
        "do_xcom_push": False,
        **kwargs,
    }
    return kubernetes_runtime.AdtechKubernetesPodOperator(**arguments)


def container_env(pod):
    (container,) = pod["spec"]["containers"]
    return container["env"]


def test_is_the_providers_operator_and_secret_env_is_not_templated():
    operator = make_operator()
    assert isinstance(operator, KubernetesPodOperator)
    assert "secret_env" not in operator.template_fields
    assert operator.secret_env["FAKEADS_TOKEN"] == ("connection", "fakeads_api", "password", None)


def test_a_pod_built_before_execute_holds_secret_references_and_no_value(secrets, masked):
    pod = ApiClient().sanitize_for_serialization(make_operator().build_pod_request_obj(None, dry_run=True))
    assert container_env(pod) == [
        {"name": "CLICKHOUSE_USER", "value": "pipeline"},
        {
            "name": "CLICKHOUSE_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "clickhouse-credentials", "key": "password"}},
        },
    ]
    text = json.dumps(pod)
    for value in VALUES.values():
        assert value not in text
    assert masked == []


def test_execute_reads_airflow_secrets_into_the_pod_environment_only(secrets, masked, built_pods):
    operator = make_operator()
    operator.execute({})
    (pod,) = built_pods
    assert container_env(pod) == [
        {"name": "CLICKHOUSE_USER", "value": "pipeline"},
        {
            "name": "CLICKHOUSE_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "clickhouse-credentials", "key": "password"}},
        },
        {"name": "FAKEADS_APP_SECRET", "value": VALUES["app"]},
        {"name": "FAKEADS_TOKEN", "value": VALUES["token"]},
    ]
    assert sorted(masked) == sorted([VALUES["app"], VALUES["token"]])
    # What Airflow renders, stores and shows holds none of them.
    shown = json.dumps({field: getattr(operator, field) for field in operator.template_fields}, default=str)
    for value in VALUES.values():
        assert value not in shown


def test_a_missing_secret_fails_before_any_pod(built_pods):
    with pytest.raises(RuntimeError, match=r"^secret FAKEADS_APP_SECRET: cannot read Airflow connection"):
        make_operator().execute({})
    assert built_pods == []


def test_a_secret_named_like_a_plain_variable_fails_naming_it_not_its_value(secrets, built_pods):
    operator = make_operator(env_vars={"FAKEADS_TOKEN": "plain"})
    with pytest.raises(ValueError, match=r"already in the pod's environment: FAKEADS_TOKEN$") as raised:
        operator.execute({})
    assert VALUES["token"] not in str(raised.value)
    assert built_pods == []


def test_the_pod_validates_against_the_kubernetes_schema(secrets, built_pods):
    make_operator(
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "250m", "memory": "640Mi"}, limits={"memory": "1Gi"}
        ),
        tolerations=[k8s.V1Toleration(key="dedicated", operator="Equal", value="etl", effect="NoSchedule")],
    ).execute({})
    (pod,) = built_pods
    kubernetes_validate.validate(pod, kubernetes_validate.utils.latest_version(), strict=True)

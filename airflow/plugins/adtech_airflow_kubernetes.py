"""The Kubernetes task target of the generated DAG files (`target: kubernetes` in dag-specs).

`AdtechKubernetesPodOperator` is the provider's KubernetesPodOperator
(apache-airflow-providers-cncf-kubernetes) plus one argument, `secret_env`: secrets read from
Airflow Variables or Connection fields when the task runs, exactly as `AdtechDockerOperator`
does (`read_secret` in adtech_airflow_runtime, which also registers each value with the secret
masker). Everything else (image, arguments, environment, Kubernetes Secrets, resources, ...) is
the provider's own argument, written by the code generator.

A separate module from adtech_airflow_runtime so that Docker-target DAG files do not import the
provider and the Kubernetes client while they are parsed. Deployment: next to the runtime
module in Airflow's plugins folder (airflow/Dockerfile copies both).

Where the Airflow-read values go: into the pod's container environment, added to the pod the
operator builds in `build_pod_request_obj` after the template fields were rendered, so they are
neither in the DAG file, nor in the rendered fields Airflow stores and shows, nor in the
serialized DAG. They are in the Pod object the API server keeps while the pod exists; secrets
that must not be there belong in Kubernetes Secrets (_project.yaml `kubernetes.secrets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

from adtech_airflow_runtime import SecretSource, read_secret

__all__ = ["AdtechKubernetesPodOperator"]


class AdtechKubernetesPodOperator(KubernetesPodOperator):
    """KubernetesPodOperator whose Airflow-held secrets are read when the task runs.

    `secret_env` maps an environment variable to a SecretSource (see adtech_airflow_runtime).
    execute() reads them; build_pod_request_obj() adds them to the base container's environment.
    Until execute() has read them, the pod built carries none of them.
    """

    def __init__(self, *, secret_env: Mapping[str, SecretSource] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secret_env = dict(secret_env or {})
        self._secret_values: dict[str, str] = {}

    def execute(self, context: Any) -> Any:
        self._secret_values = {
            env: read_secret(env, *where) for env, where in sorted(self.secret_env.items())
        }
        return super().execute(context)

    def build_pod_request_obj(self, context: Any = None, **kwargs: Any) -> k8s.V1Pod:
        pod = super().build_pod_request_obj(context, **kwargs)
        if self._secret_values:
            container = next(c for c in pod.spec.containers if c.name == self.base_container_name)
            taken = {variable.name for variable in container.env or []}
            clashes = sorted(taken & self._secret_values.keys())
            if clashes:
                # Two values for one name: Kubernetes would keep one silently.
                raise ValueError(f"secret_env names already in the pod's environment: {', '.join(clashes)}")
            container.env = [
                *(container.env or []),
                *(k8s.V1EnvVar(name=env, value=value) for env, value in self._secret_values.items()),
            ]
        return pod

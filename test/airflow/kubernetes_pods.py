"""The pods `target: kubernetes` DAG files make, as JSON in OUT_FILE (driven by kubernetes-pods.test.ts).

    python kubernetes_pods.py OUT_FILE RUN_JSON K8S_VERSIONS_JSON FOLDER...

Runs inside .venvs/airflow-2 or .venvs/airflow-3 with AIRFLOW_HOME set to a scratch folder (see
inspect.ts), no cluster and no metadata database. Fills a DagBag from each FOLDER with the strict
warning filters of inspect_dags.py, round-trips every DAG through Airflow's serialized form, and
for every task does what KubernetesPodOperator.execute does before it talks to the cluster:
renders the template fields (the DAG's Jinja environment and macros, the fake run RUN_JSON, the
real Variable accessor, so `{{ var.value.x }}` would read the Variables the test set) and builds
the pod request object (`build_pod_request_obj(context, dry_run=True)`: the provider's own
method; dry_run skips only the in-cluster probe). Each pod is serialized with the Kubernetes
client's `sanitize_for_serialization` (what the client sends to the API server) and validated
with kubernetes-validate (the JSON schemas derived from Kubernetes' OpenAPI) for each version.
"""

from __future__ import annotations

import copy
import json
import sys
import warnings

import kubernetes_validate
from inspect_dags import DagBag, FakeDagRun, Serializer, strict_warnings  # same folder
from kubernetes.client import ApiClient

import airflow

try:  # Airflow 3
    from airflow.sdk.execution_time.context import VariableAccessor
except ImportError:  # Airflow 2
    from airflow.utils.context import VariableAccessor


class FakeTaskInstance:
    """What the provider reads from `ti` for the pod's labels."""

    def __init__(self, dag_id, task_id):
        self.dag_id = dag_id
        self.task_id = task_id
        self.map_index = -1
        self.try_number = 1


def context_for(dag, task, run):
    dag_run = FakeDagRun(run)
    ti = FakeTaskInstance(dag.dag_id, task.task_id)
    return {
        "dag": dag,
        "dag_run": dag_run,
        "run_id": dag_run.run_id,
        "ti": ti,
        "task_instance": ti,
        "task": task,
        "params": {},
        "conf": None,
        "macros": None,
        "var": {"value": VariableAccessor(deserialize_json=False)},
    }


def validation_errors(pod, versions):
    errors = {}
    for version in versions:
        try:
            kubernetes_validate.validate(pod, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors[version] = f"{'.'.join(str(p) for p in error.path)}: {error.message}"
    return errors


def describe_task(dag, task, run, versions, api):
    if not hasattr(task, "build_pod_request_obj"):  # a spec that keeps the Docker target
        return {"task_type": type(task).__name__}
    built = copy.copy(task)
    context = context_for(dag, built, run)
    try:
        built.render_template_fields(context, jinja_env=dag.get_template_env())
        pod = built.build_pod_request_obj(context, dry_run=True)
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}
    serialized = api.sanitize_for_serialization(pod)
    return {
        "task_type": type(task).__name__,
        "kubernetes_conn_id": task.kubernetes_conn_id,
        "secret_env": {env: list(where) for env, where in getattr(task, "secret_env", {}).items()},
        "pod": serialized,
        "validation_errors": validation_errors(serialized, versions),
    }


def inspect_folder(folder, run, versions, api):
    with warnings.catch_warnings(record=True) as caught:
        strict_warnings()
        kwargs = {"include_examples": False} if airflow.__version__.startswith("2.") else {}
        bag = DagBag(dag_folder=folder, **kwargs)
        dags, serialization_errors = {}, {}
        for dag_id, dag in sorted(bag.dags.items()):
            try:
                Serializer.from_dict(json.loads(json.dumps(Serializer.to_dict(dag))))
            except Exception as error:
                serialization_errors[dag_id] = f"{type(error).__name__}: {error}"
            dags[dag_id] = {task.task_id: describe_task(dag, task, run, versions, api) for task in dag.tasks}
    return {
        "folder": folder,
        "import_errors": dict(bag.import_errors),
        "warnings": sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
        "serialization_errors": serialization_errors,
        "dags": dags,
    }


def main(argv):
    out_file, run, versions = argv[1], json.loads(argv[2]), json.loads(argv[3])
    api = ApiClient()
    # The validator must be able to fail: a pod with a field the Pod schema does not have.
    canary = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": []}}
    canary["spec"]["containers"].append({"name": "base", "image": "x", "bogusField": True})
    out = {
        "airflow_version": airflow.__version__,
        "canary_errors": validation_errors(canary, versions),
        "folders": [inspect_folder(folder, run, versions, api) for folder in argv[4:]],
    }
    with open(out_file, "w", encoding="utf-8") as handle:
        json.dump(out, handle, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv)

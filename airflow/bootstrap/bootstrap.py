"""Create the Airflow pools, Variables and Connections listed in resources.json.

Run by the `airflow-init` compose service (init.sh) on every `docker compose up`. Values marked
with `env` are read from this container's environment (compose passes them from `.env`), so no
secret is written into the image, the DAG files or this repository. Re-running overwrites with the
current values. Secret values are never printed.

A DAG that reads an optional Variable or Connection left unset (an ad platform's token) would fail
on every run, so it is paused, naming what to set; the DAGs paused this way are remembered in the
Variable `adtech_bootstrap_paused_dags` and resumed by a later run once their values are set (a DAG
a person paused stays paused).

`--check-env` runs first, before anything is written: every secret listed under `secrets` must be
set and must not be one of the `known_defaults` older versions of .env.example shipped.

`--pools-only` creates the pools and nothing else: the Helm deployment (deploy/helm/values.yaml)
runs it after `airflow db migrate`, and supplies Variables and Connections from Kubernetes Secrets
as AIRFLOW_VAR_* / AIRFLOW_CONN_* environment variables instead of storing them.

JSON rather than YAML keeps this script on the standard library, so it also runs in tests.

Usage: python bootstrap.py [--check-env | --pools-only] resources.json
"""

import base64
import binascii
import json
import os
import re
import subprocess
import sys
import tempfile

STATE_VARIABLE = "adtech_bootstrap_paused_dags"


class BootstrapError(Exception):
    pass


def env_value(name, where, required):
    value = os.environ.get(name, "")
    if value == "" and required:
        raise BootstrapError(f"{where}: environment variable {name} is not set (put it in .env)")
    return value


def check_env(resources):
    """Problems with the secrets in this environment: unset, a published default, malformed."""
    known = set(resources.get("known_defaults", []))
    problems = []
    for secret in resources.get("secrets", []):
        name = secret["env"]
        value = os.environ.get(name, "")
        if value == "":
            problems.append(f"{name} is not set (run ./scripts/init-env on the host)")
        elif value in known:
            problems.append(
                f"{name} is a published default value: empty it in .env and run ./scripts/init-env"
            )
        elif secret.get("format") == "fernet" and not is_fernet_key(value):
            problems.append(f"{name} is not a Fernet key (32 bytes, urlsafe base64)")
    return problems


def is_fernet_key(value):
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False


def pools_payload(pools):
    return {
        pool["name"]: {
            "slots": int(pool["slots"]),
            "description": pool.get("description", ""),
            "include_deferred": False,
        }
        for pool in pools
    }


def variables_payload(variables):
    payload = {}
    skipped = []
    for variable in variables:
        key = variable["key"]
        if "value" in variable:
            payload[key] = str(variable["value"])
            continue
        value = env_value(variable["env"], f"variable {key}", variable.get("required", True))
        if value == "":
            skipped.append(
                {
                    "what": f"variable {key}",
                    "env": [variable["env"]],
                    "dags": variable.get("dags", []),
                }
            )
        else:
            payload[key] = value
    return payload, skipped


CONNECTION_FIELDS = ("host", "port", "schema", "login", "password")


def connections_payload(connections):
    """Connection fields are literal (`host`) or read from the environment (`host_env`)."""
    payload = {}
    skipped = []
    for connection in connections:
        conn_id = connection["conn_id"]
        required = connection.get("required", True)
        fields = {"conn_type": connection["conn_type"]}
        if "description" in connection:
            fields["description"] = connection["description"]
        missing = []
        for field in CONNECTION_FIELDS:
            if field in connection:
                fields[field] = connection[field]
            elif f"{field}_env" in connection:
                name = connection[f"{field}_env"]
                fields[field] = env_value(name, f"connection {conn_id}", required)
                if fields[field] == "":
                    missing.append(name)
        if "extra" in connection:
            fields["extra"] = json.dumps(connection["extra"])
        if missing:
            skipped.append(
                {
                    "what": f"connection {conn_id}",
                    "env": missing,
                    "dags": connection.get("dags", []),
                }
            )
        else:
            payload[conn_id] = fields
    return payload, skipped


def airflow(*args):
    """Run the Airflow CLI; its stdout, or BootstrapError with its stderr on failure."""
    result = subprocess.run(["airflow", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BootstrapError(
            f"airflow {' '.join(args[:2])} failed ({result.returncode}): {result.stderr.strip()}"
        )
    return result.stdout


def previously_paused():
    """The DAGs an earlier run paused (the last stdout line is the value; logs may precede it)."""
    output = airflow("variables", "get", STATE_VARIABLE, "--default", "[]")
    lines = [line for line in output.splitlines() if line.strip()]
    try:
        value = json.loads(lines[-1]) if lines else []
    except json.JSONDecodeError as error:
        raise BootstrapError(f"variable {STATE_VARIABLE} is not a JSON list: {error}") from None
    if not isinstance(value, list):
        raise BootstrapError(f"variable {STATE_VARIABLE} is not a JSON list")
    return [str(dag_id) for dag_id in value]


def dag_regex(dag_ids):
    return "^(" + "|".join(re.escape(dag_id) for dag_id in sorted(dag_ids)) + ")$"


def pause_plan(skipped):
    """{dag_id: [reasons]} for every DAG that reads an unset optional Variable or Connection."""
    plan = {}
    for entry in skipped:
        for dag_id in entry["dags"]:
            plan.setdefault(dag_id, []).append(entry)
    return plan


def apply_pauses(plan, before):
    if plan:
        # The DAGs must be in the metadata database to be paused; the dag-processor has not run
        # yet (it starts after airflow-init), so parse the DAG folder here.
        airflow("dags", "reserialize")
        airflow("dags", "pause", "--treat-dag-id-as-regex", "-y", dag_regex(plan))
        for dag_id in sorted(plan):
            names = sorted({name for entry in plan[dag_id] for name in entry["env"]})
            whats = ", ".join(entry["what"] for entry in plan[dag_id])
            print(
                f"bootstrap: paused DAG {dag_id}: set {', '.join(names)} in .env ({whats}), then "
                "`docker compose up -d airflow-init` resumes it"
            )
    resumed = sorted(set(before) - set(plan))
    if resumed:
        airflow("dags", "unpause", "--treat-dag-id-as-regex", "-y", dag_regex(resumed))
        print(f"bootstrap: resumed DAG {', '.join(resumed)} (its values are set now)")


def airflow_import(kind, payload, extra_args):
    if not payload:
        return
    # The file holds secrets: private to this user, removed straight after the import.
    fd, path = tempfile.mkstemp(prefix=f"bootstrap-{kind}-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle)
        result = subprocess.run(
            ["airflow", kind, "import", path, *extra_args],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            # The CLI's own output names the failing entry; it does not echo values.
            raise BootstrapError(
                f"airflow {kind} import failed ({result.returncode}): {result.stderr.strip()}"
            )
    finally:
        os.unlink(path)
    print(f"bootstrap: {kind}: {', '.join(sorted(payload))}")


def main(argv):
    args = argv[1:]
    mode = args[0] if args[:1] in (["--check-env"], ["--pools-only"]) else None
    if mode is not None:
        args = args[1:]
    if len(args) != 1:
        print("usage: bootstrap.py [--check-env | --pools-only] resources.json", file=sys.stderr)
        return 2
    with open(args[0]) as handle:
        resources = json.load(handle)
    if mode == "--check-env":
        problems = check_env(resources)
        for problem in problems:
            print(f"bootstrap: refusing to start: {problem}", file=sys.stderr)
        return 1 if problems else 0
    if mode == "--pools-only":
        try:
            airflow_import("pools", pools_payload(resources.get("pools", [])), [])
        except BootstrapError as error:
            print(f"bootstrap: {error}", file=sys.stderr)
            return 1
        return 0
    try:
        pools = pools_payload(resources.get("pools", []))
        variables, skipped = variables_payload(resources.get("variables", []))
        connections, skipped_connections = connections_payload(resources.get("connections", []))
        skipped += skipped_connections
        plan = pause_plan(skipped)
        before = previously_paused()
        variables[STATE_VARIABLE] = json.dumps(sorted(plan))
        airflow_import("pools", pools, [])
        airflow_import("variables", variables, ["--action-on-existing-key", "overwrite"])
        airflow_import("connections", connections, ["--overwrite"])
        for entry in skipped:
            print(f"bootstrap: skipped {entry['what']} (set {', '.join(entry['env'])} in .env to enable it)")
        apply_pauses(plan, before)
    except BootstrapError as error:
        print(f"bootstrap: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

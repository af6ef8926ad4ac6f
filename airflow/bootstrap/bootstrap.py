"""Create the Airflow pools, Variables and Connections listed in resources.json.

Run by the `airflow-init` compose service on every `docker compose up`. Values marked with `env`
are read from this container's environment (compose passes them from `.env`), so no secret is
written into the image, the DAG files or this repository. Re-running overwrites with the current
values. Secret values are never printed.

JSON rather than YAML keeps this script on the standard library, so it also runs in tests.

Usage: python bootstrap.py resources.json
"""

import json
import os
import subprocess
import sys
import tempfile


class BootstrapError(Exception):
    pass


def env_value(name, where, required):
    value = os.environ.get(name, "")
    if value == "" and required:
        raise BootstrapError(f"{where}: environment variable {name} is not set (put it in .env)")
    return value


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
            skipped.append(f"variable {key} (set {variable['env']} in .env to enable it)")
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
            skipped.append(f"connection {conn_id} (set {', '.join(missing)} in .env to enable it)")
        else:
            payload[conn_id] = fields
    return payload, skipped


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
    if len(argv) != 2:
        print("usage: bootstrap.py resources.json", file=sys.stderr)
        return 2
    with open(argv[1]) as handle:
        resources = json.load(handle)
    try:
        pools = pools_payload(resources.get("pools", []))
        variables, skipped = variables_payload(resources.get("variables", []))
        connections, skipped_connections = connections_payload(resources.get("connections", []))
        airflow_import("pools", pools, [])
        airflow_import("variables", variables, ["--action-on-existing-key", "overwrite"])
        airflow_import("connections", connections, ["--overwrite"])
    except BootstrapError as error:
        print(f"bootstrap: {error}", file=sys.stderr)
        return 1
    for entry in skipped + skipped_connections:
        print(f"bootstrap: skipped {entry}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

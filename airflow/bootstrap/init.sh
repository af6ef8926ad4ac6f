#!/usr/bin/env bash
# Run by the `airflow-init` compose service (through the image's entrypoint, which waits for the
# metadata database). Every step must succeed: the first failure stops the script with a non-zero
# exit, and compose then starts none of the services that wait for airflow-init.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
resources="$here/resources.json"
socket="${DOCKER_SOCKET:-/var/run/docker.sock}"

# 1. Secrets: set, and none of the values older versions of .env.example shipped.
python "$here/bootstrap.py" --check-env "$resources"

# 2. The Docker socket the scheduler starts task containers through. This container has the
#    scheduler's user and groups (compose gives both the same group_add: DOCKER_GID), so it can
#    tell whether the scheduler will be allowed to use the socket.
bash "$here/check-docker-socket.sh" "$socket"

# 3. The metadata database.
airflow db migrate

# 4. The admin user. .env is the source of truth for its password: `users create` refuses an
#    existing user ("already exist"), which then gets the password from .env; any other failure
#    stops here with the CLI's output.
status=0
created="$(airflow users create \
  --username "${AIRFLOW_ADMIN_USER}" \
  --password "${AIRFLOW_ADMIN_PASSWORD}" \
  --firstname Admin --lastname User --role Admin --email admin@example.invalid 2>&1)" || status=$?
if grep -qi "already exist" <<<"$created"; then
  airflow users reset-password --username "${AIRFLOW_ADMIN_USER}" --password "${AIRFLOW_ADMIN_PASSWORD}" >/dev/null
  echo "airflow-init: admin '${AIRFLOW_ADMIN_USER}' exists; its password is now the one in .env"
elif [[ $status -ne 0 ]]; then
  echo "$created" >&2
  echo "airflow-init: creating admin '${AIRFLOW_ADMIN_USER}' failed ($status)" >&2
  exit "$status"
else
  echo "airflow-init: created admin '${AIRFLOW_ADMIN_USER}'"
fi

# 5. Pools, Variables and Connections; pauses the DAGs whose credentials are not set yet.
python "$here/bootstrap.py" "$resources"
echo "airflow-init: done"

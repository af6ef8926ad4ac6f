#!/usr/bin/env bash
# Run by the `airflow-init` compose service after the image's entrypoint has migrated the
# metadata database and created the admin user.
set -euo pipefail
python /opt/airflow/bootstrap/bootstrap.py /opt/airflow/bootstrap/resources.json

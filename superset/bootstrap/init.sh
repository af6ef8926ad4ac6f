#!/usr/bin/env bash
# One-shot Superset setup, run by the `superset-init` compose service on every `up`:
# metadata schema, admin user, roles, then the dashboard bundle from /app/bundle. Idempotent.
set -euo pipefail

superset db upgrade
# Existing admins are left alone (their password may have been changed in the UI).
superset fab create-admin \
  --username "${SUPERSET_ADMIN_USER}" \
  --password "${SUPERSET_ADMIN_PASSWORD}" \
  --firstname Admin --lastname User --email admin@example.invalid
superset init

# Superset imports a zip whose single root folder holds metadata.yaml and the asset folders.
python - <<'PY'
import pathlib
import zipfile

root = pathlib.Path("/app/bundle")
with zipfile.ZipFile("/tmp/campaign_performance.zip", "w") as bundle:
    for path in sorted(root.rglob("*.yaml")):
        bundle.write(path, pathlib.Path("campaign_performance") / path.relative_to(root))
PY
superset import-dashboards --path /tmp/campaign_performance.zip --username "${SUPERSET_ADMIN_USER}"

# The bundle holds a masked URI; the credentials are set here, from the environment, after import.
quote() { python -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
superset set-database-uri \
  --database_name "ClickHouse analytics" \
  --uri "clickhousedb://$(quote "${CLICKHOUSE_USER}"):$(quote "${CLICKHOUSE_PASSWORD}")@clickhouse:8123/analytics"
echo "superset-init: admin '${SUPERSET_ADMIN_USER}' and the Campaign performance dashboard are ready"

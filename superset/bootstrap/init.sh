#!/usr/bin/env bash
# One-shot Superset setup, run by the `superset-init` compose service on every `up`:
# metadata schema, admin user, roles, then the dashboard bundle from /app/bundle. Idempotent.
set -euo pipefail

# Secrets: set (compose requires them) and none of the values older versions of .env.example
# shipped. Before anything is written.
refuse_default() {
  local name="$1"
  case "${!name:-}" in
    "" | admin | local-only-superset-secret-change-me)
      echo "superset-init: refusing to start: $name is unset or a published default value: empty it in .env and run ./scripts/init-env" >&2
      exit 1
      ;;
  esac
}
refuse_default SUPERSET_SECRET_KEY
refuse_default SUPERSET_ADMIN_PASSWORD

superset db upgrade
# .env is the source of truth for the admin's password: `create-admin` refuses an existing user
# ("already exists"), which then gets the password from .env; any other failure stops here.
status=0
created="$(superset fab create-admin \
  --username "${SUPERSET_ADMIN_USER}" \
  --password "${SUPERSET_ADMIN_PASSWORD}" \
  --firstname Admin --lastname User --email admin@example.invalid 2>&1)" || status=$?
if grep -qi "already exist" <<<"$created"; then
  superset fab reset-password --username "${SUPERSET_ADMIN_USER}" --password "${SUPERSET_ADMIN_PASSWORD}" >/dev/null
elif [[ $status -ne 0 ]]; then
  echo "$created" >&2
  exit "$status"
fi
superset init

# Superset imports a zip whose single root folder holds metadata.yaml and the asset folders;
# build_bundle.py is the one builder, import_assets.py the one importer (it replaces the bundle's
# datasets and charts, which import-dashboards would leave stale); npm run superset and the
# tests use both too.
python /app/bootstrap/build_bundle.py /app/bundle /tmp/campaign_performance.zip
python /app/bootstrap/import_assets.py /tmp/campaign_performance.zip "${SUPERSET_ADMIN_USER}"

# The bundle holds a masked URI; the credentials are set here, from the environment, after import.
quote() { python -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
superset set-database-uri \
  --database_name "ClickHouse analytics" \
  --uri "clickhousedb://$(quote "${CLICKHOUSE_USER}"):$(quote "${CLICKHOUSE_PASSWORD}")@clickhouse:8123/analytics"
echo "superset-init: admin '${SUPERSET_ADMIN_USER}' and the Campaign performance dashboard are ready"

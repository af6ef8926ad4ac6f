"""Superset settings for the adtech-pipeline stack, `npm run superset` and the tests.

Everything secret comes from the environment. Outside the stack's container,
SUPERSET_METADATA_URI points the metadata database elsewhere (a SQLite file under .data/).
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

# Metadata in SQLite on the superset-home volume: one small instance, nothing to operate.
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET_METADATA_URI",
    "sqlite:////app/superset_home/superset.db?check_same_thread=false",
)

# Dashboards refresh from ClickHouse; no Celery workers, so no async queries or alerts.
FEATURE_FLAGS = {
    "DASHBOARD_RBAC": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
}

# Nothing phones home: no Scarf telemetry pixel, no remote fonts, no map tiles.
SCARF_ANALYTICS = False
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []

# Local stack only: no HTTPS in front of it.
TALISMAN_ENABLED = False
WTF_CSRF_ENABLED = True

"""Superset settings for the adtech-pipeline stack. Everything secret comes from the environment."""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

# Metadata in SQLite on the superset-home volume: one small instance, nothing to operate.
SQLALCHEMY_DATABASE_URI = "sqlite:////app/superset_home/superset.db?check_same_thread=false"

# Dashboards refresh from ClickHouse; no Celery workers, so no async queries or alerts.
FEATURE_FLAGS = {
    "DASHBOARD_RBAC": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
}

# Local stack only: no HTTPS in front of it.
TALISMAN_ENABLED = False
WTF_CSRF_ENABLED = True

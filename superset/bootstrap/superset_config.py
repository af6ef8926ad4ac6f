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

# Nothing phones home. SCARF_ANALYTICS alone does not stop it: Superset 6.1's prebuilt frontend
# draws the Scarf telemetry pixel (an <img> from apachesuperset.gateway.scarf.sh) on every page.
# The content security policy below is Superset's default with every remote origin removed
# (Scarf, map tiles, docs images, remote fonts), so the browser itself refuses those requests.
SCARF_ANALYTICS = False
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
_LOCAL_ONLY_CSP = {
    "base-uri": ["'self'"],
    "default-src": ["'self'"],
    "img-src": ["'self'", "blob:", "data:"],
    "worker-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],
    "object-src": "'none'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "font-src": ["'self'", "data:"],
    "script-src": ["'self'", "'strict-dynamic'"],
}
# Talisman sets that policy; no HTTPS in front of the local stack, so no forced HTTPS or
# secure-only cookies.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": _LOCAL_ONLY_CSP,
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
TALISMAN_DEV_CONFIG = TALISMAN_CONFIG

# The REST API's /api/v1/security/login (JWT for scripts and the tests' API checks).
FAB_ADD_SECURITY_API = True
WTF_CSRF_ENABLED = True

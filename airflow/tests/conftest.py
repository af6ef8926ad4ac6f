"""pytest setup for the runtime module's tests, on the Airflow of the running virtualenv.

    .venvs/airflow-3/bin/python -m pytest airflow/tests    (and .venvs/airflow-2)

Airflow reads its configuration when first imported, so this runs before any test module: a
scratch AIRFLOW_HOME (nothing is written to ~/airflow), no examples, and the plugins folder where
the runtime module is (as in our image, where Airflow itself puts it on sys.path).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="adtech-runtime-tests-"))
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(PLUGINS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
# Airflow 2.11 warns at import that this default (seconds) changes in 3; take 3's default.
os.environ["AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY"] = "True"
if str(PLUGINS) not in sys.path:
    sys.path.insert(0, str(PLUGINS))

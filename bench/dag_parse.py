"""Times one DagBag fill of a DAG folder, as Airflow's DAG processor parses it.

Usage: python dag_parse.py FOLDER. Prints one JSON line: seconds, dags, import errors.
Run with the airflow-3 virtualenv and AIRFLOW_HOME set to a scratch folder.
"""

import json
import sys
import time

try:  # Airflow 3
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2
    from airflow.models.dagbag import DagBag


def main() -> None:
    folder = sys.argv[1]
    started = time.perf_counter()
    # Examples are off through AIRFLOW__CORE__LOAD_EXAMPLES (3.x has no include_examples).
    bag = DagBag(dag_folder=folder)
    seconds = time.perf_counter() - started
    errors = {path: str(error)[:300] for path, error in bag.import_errors.items()}
    print(json.dumps({"seconds": seconds, "dags": len(bag.dags), "errors": errors}))


if __name__ == "__main__":
    main()

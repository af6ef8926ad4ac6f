"""Zip a dashboard bundle folder the way `superset import-dashboards` reads it.

    python build_bundle.py BUNDLE_DIR OUT.zip

Superset imports a zip whose single root folder holds metadata.yaml and the asset folders
(databases/, datasets/, charts/, dashboards/). The stack's superset-init (init.sh), `npm run
superset` and the tests all build the zip with this script, so they import the same bytes.
"""

import pathlib
import sys
import zipfile

ROOT_FOLDER = "campaign_performance"


def build(bundle_dir: pathlib.Path, out: pathlib.Path) -> int:
    files = sorted(p for p in bundle_dir.rglob("*.yaml") if p.is_file())
    if not (bundle_dir / "metadata.yaml").is_file():
        raise SystemExit(f"build_bundle: {bundle_dir} has no metadata.yaml")
    with zipfile.ZipFile(out, "w") as bundle:
        for path in files:
            bundle.write(path, pathlib.Path(ROOT_FOLDER) / path.relative_to(bundle_dir))
    return len(files)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: build_bundle.py BUNDLE_DIR OUT.zip")
    count = build(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
    print(f"build_bundle: {count} files into {sys.argv[2]}")

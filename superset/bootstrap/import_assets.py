"""Import the dashboard bundle with Superset's assets importer, replacing what is there.

    python import_assets.py BUNDLE.zip USERNAME

`superset import-dashboards` never overwrites an existing dataset or chart (only the dashboard),
so a changed bundle would leave the old charts and dataset columns in place on every later
`docker compose up`. The assets importer (the command behind POST /api/v1/assets/import/)
replaces each database, dataset, chart and dashboard of the bundle, matched by uuid, in one
transaction; assets that are not in the bundle are left alone. The stack's superset-init
(init.sh), `npm run superset` and the tests all import through `import_assets`.
"""

import sys
from zipfile import ZipFile


def import_assets(path: str, username: str) -> None:
    """Import the zip at `path` as `username`; needs a Superset app context."""
    from flask import g
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.commands.importers.v1.utils import get_contents_from_bundle

    from superset import security_manager

    user = security_manager.find_user(username=username)
    if user is None:
        raise SystemExit(f"import_assets: no Superset user {username!r} (create it first)")
    g.user = user
    with ZipFile(path) as bundle:
        contents = get_contents_from_bundle(bundle)
    ImportAssetsCommand(contents).run()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: import_assets.py BUNDLE.zip USERNAME", file=sys.stderr)
        return 2
    from superset.app import create_app
    from superset.commands.exceptions import CommandInvalidError

    with create_app().app_context():
        try:
            import_assets(argv[1], argv[2])
        except CommandInvalidError as error:
            print(f"import_assets: {argv[1]}: {error.normalized_messages()}", file=sys.stderr)
            return 1
    print(f"import_assets: imported {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

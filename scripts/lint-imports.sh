#!/usr/bin/env bash
# import-linter over the `newsmon` package as it is installed (the contracts in
# pyproject.toml, [tool.importlinter]). import-linter reads the package's folder, and the
# editable install maps pipelines/, connectors/ and configs/ into it from elsewhere, so the
# same tree is laid out as a copy under build/imports and put first on the path.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=build/imports/newsmon
rm -rf build/imports
mkdir -p "$tree"
cp -r src/newsmon/. "$tree"
for mapped in pipelines connectors configs; do
  cp -r "$mapped" "$tree/$mapped"
done
PYTHONPATH="$PWD/build/imports" exec "${LINT_IMPORTS:-.venv/bin/lint-imports}" "$@"

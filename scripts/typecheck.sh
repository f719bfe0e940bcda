#!/usr/bin/env bash
# mypy over the `newsmon` package as it is installed: src/newsmon with the top-level
# pipelines/, connectors/ and configs/ mapped under it (see [tool.setuptools.package-dir]).
# mypy cannot follow setuptools' editable import hook, so we lay the same tree out
# as symlinks under build/typecheck and check that.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=build/typecheck/newsmon
rm -rf build/typecheck
mkdir -p "$tree"
for entry in src/newsmon/*; do
  ln -s "../../../$entry" "$tree/$(basename "$entry")"
done
for mapped in pipelines connectors configs; do
  ln -s "../../../$mapped" "$tree/$mapped"
done
exec "${MYPY:-.venv/bin/mypy}" "$@" "$tree"

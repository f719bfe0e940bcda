#!/usr/bin/env bash
# mypy over the `newsmon` package as it is installed (src/newsmon with the top-level
# pipelines/, connectors/ and configs/ mapped under it: [tool.setuptools.package-dir]),
# and over tests/, bench/ and scripts/ against it. mypy cannot follow setuptools' editable
# import hook, so the same tree is laid out as symlinks under build/typecheck.
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
MYPYPATH=build/typecheck exec "${MYPY:-.venv/bin/mypy}" --explicit-package-bases "$@" "$tree" tests bench scripts

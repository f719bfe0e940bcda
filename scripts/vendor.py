"""Vendor the desk's chart and map libraries from the npm registry into the package's
static files (``make vendor``): uPlot for time series, d3-geo (with d3-array) and
topojson-client for the map, Natural Earth countries from ``world-atlas``.

The files are committed: users need no build step and the desk fetches nothing from a CDN.
``src/newsmon/api/static/vendor/VENDORED.json`` records each package's version, licence
and the SHA-256 of every file taken; each package's licence text is copied beside it.
The map's country ids are turned from ISO 3166 numeric codes into the alpha-2 codes the
index uses (``countries``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pycountry

VENDOR = Path(__file__).resolve().parents[1] / "src" / "newsmon" / "api" / "static" / "vendor"
PACKAGES = {
    # name: (version, {file in the package: file in vendor/})
    "uplot": (
        "1.6.32",
        {"dist/uPlot.iife.min.js": "uPlot.iife.min.js", "dist/uPlot.min.css": "uPlot.min.css"},
    ),
    "d3-array": ("3.2.5", {"dist/d3-array.min.js": "d3-array.min.js"}),
    "d3-geo": ("3.1.2", {"dist/d3-geo.min.js": "d3-geo.min.js"}),
    "topojson-client": ("3.1.0", {"dist/topojson-client.min.js": "topojson-client.min.js"}),
    "world-atlas": ("2.0.2", {"countries-110m.json": "countries-110m.json"}),
}
# Countries world-atlas gives no ISO numeric code.
NAMED = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}


def _pack(name: str, version: str, workdir: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", "--silent", f"{name}@{version}", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return workdir / out.stdout.strip().splitlines()[-1]


def _alpha2_countries(raw: bytes) -> bytes:
    """The atlas with each country's id as its ISO 3166-1 alpha-2 code."""
    atlas = json.loads(raw)
    for geometry in atlas["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id")
        country = pycountry.countries.get(numeric=numeric) if numeric else None
        code = country.alpha_2 if country else NAMED.get(geometry.get("properties", {}).get("name", ""))
        geometry["id"] = code
    return json.dumps(atlas, separators=(",", ":")).encode()


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    record: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, files) in PACKAGES.items():
            tarball = _pack(name, version, Path(tmp))
            with tarfile.open(tarball) as archive:
                manifest = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
                licence_text = archive.extractfile("package/LICENSE").read()  # type: ignore[union-attr]
                taken = {}
                for inner, target in files.items():
                    data = archive.extractfile(f"package/{inner}").read()  # type: ignore[union-attr]
                    if target == "countries-110m.json":
                        data = _alpha2_countries(data)
                    (VENDOR / target).write_bytes(data)
                    taken[target] = hashlib.sha256(data).hexdigest()
            (VENDOR / f"LICENSE-{name}").write_bytes(licence_text)
            record[name] = {
                "version": manifest["version"],
                "license": manifest.get("license"),
                "homepage": manifest.get("homepage"),
                "files": taken,
            }
            print(f"vendored {name} {manifest['version']} ({manifest.get('license')})")
    (VENDOR / "VENDORED.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""pip-audit over the locked dependencies (requirements.lock), with an honest summary.

    .venv/bin/python scripts/audit.py [--strict]

Fails when a locked package has a known vulnerability. pip-audit looks each package up in
PyPI's JSON API; where that is not served (a registry mirror, no internet) it skips the
package: this script then says that nothing was audited instead of "no vulnerabilities",
and fails only with ``--strict`` (use it where PyPI is reachable).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail when packages could not be audited")
    args = parser.parse_args()
    command = [sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--no-deps", "--disable-pip", "-f", "json"]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit failed (exit {run.returncode}):\n{run.stderr[-2000:]}", file=sys.stderr)
        return 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    print(
        f"pip-audit over {LOCK.name}: {len(dependencies)} packages, {audited} audited, {len(skipped)} skipped"
    )
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"  VULNERABLE {dependency['name']} {dependency['version']}: {ids}")
    if skipped:
        reasons = {d["skip_reason"].split(":")[0] for d in skipped}
        print(f"  NOT AUDITED: {len(skipped)} packages ({'; '.join(sorted(reasons))})")
    if vulnerable:
        return 1
    if skipped and args.strict:
        return 1
    if audited == 0:
        print("  no package could be checked here: the vulnerability service is unreachable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

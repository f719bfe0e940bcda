"""Fetch a service's jars with Maven into a cached classpath folder."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from newsmon.exceptions import ServiceError

_COMPLETE_MARKER = ".complete"


def render_pom(template_name: str, values: dict[str, str]) -> str:
    """The packaged POM template ``poms/<template_name>`` with ``@KEY@`` placeholders filled."""
    text = (resources.files("newsmon.services") / "poms" / template_name).read_text("utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    missing = re.findall(r"@([A-Z_]+)@", text)
    if missing:
        raise ServiceError(f"{template_name}: no value for {', '.join(sorted(set(missing)))}")
    return text


def resolve_classpath(name: str, pom_text: str, cache_dir: Path) -> Path:
    """A folder holding every runtime jar of ``pom_text``, downloaded once and reused.

    The folder name carries a hash of the POM, so a version change fetches anew while
    an unchanged POM costs nothing on the next start.
    """
    digest = hashlib.sha256(pom_text.encode("utf-8")).hexdigest()[:12]
    target = cache_dir / "jars" / f"{name}-{digest}"
    if (target / _COMPLETE_MARKER).exists():
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServiceError(
            "Maven (mvn) is needed to fetch the service jars but is not on PATH; "
            "install it (Debian: apt-get install maven) or point newsmon at running services "
            "with NEWSMON_KAFKA_BOOTSTRAP / NEWSMON_ES_URL"
        )
    build_dir = cache_dir / "poms" / f"{name}-{digest}"
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / "pom.xml").write_text(pom_text, encoding="utf-8")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        cwd=build_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise ServiceError(f"Maven could not fetch the {name} jars:\n" + "\n".join(tail))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    (target / _COMPLETE_MARKER).write_text(digest, encoding="utf-8")
    return target

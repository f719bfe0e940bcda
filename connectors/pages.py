"""Article pages: fetch one politely (timeout, size cap, a User-Agent that says who we are)
and extract its text and metadata with trafilatura. Page HTML is untrusted input: only
the extracted plain text travels on."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field

from newsmon.exceptions import NewsmonError

USER_AGENT = "newsmon/0.1 (+https://github.com/newsmon; news monitoring)"
MAX_PAGE_BYTES = 5 * 1024 * 1024


class PageError(NewsmonError):
    """A page could not be fetched or holds no article text."""


@dataclass(frozen=True)
class ExtractedPage:
    title: str
    text: str
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None


def fetch(
    url: str, timeout: float = 15.0, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``: status, headers and at most MAX_PAGE_BYTES of body (304 has none)."""
    if not url.startswith(("http://", "https://")):
        raise PageError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
            body = response.read(MAX_PAGE_BYTES + 1)
            if len(body) > MAX_PAGE_BYTES:
                raise PageError(f"{url}: larger than {MAX_PAGE_BYTES} bytes")
            return response.status, dict(response.headers.items()), body
    except urllib.error.HTTPError as e:
        if e.code == 304:
            return 304, dict(e.headers.items()), b""
        raise PageError(f"{url}: HTTP {e.code}") from e
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise PageError(f"{url}: {e}") from e


def extract(html: bytes | str, url: str | None = None) -> ExtractedPage:
    """The article of a page: title, main text (boilerplate removed), date, authors."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    if document is None:
        raise PageError(f"{url or 'page'}: no article text found")
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = (data.get("text") or "").strip()
    if not text:
        raise PageError(f"{url or 'page'}: no article text found")
    author = data.get("author") or ""
    return ExtractedPage(
        title=(data.get("title") or "").strip(),
        text=text,
        published=data.get("date"),
        authors=[a.strip() for a in author.split(";") if a.strip()],
        language=data.get("language"),
    )


def fetch_article(url: str, timeout: float = 15.0) -> ExtractedPage:
    """Fetch a page and extract its article."""
    _, _, body = fetch(url, timeout)
    return extract(body, url)

"""/docs and /redoc come from the package: every URL they reference is ours and answers."""

from __future__ import annotations

import re

import pytest

PAGES = ["/docs", "/redoc"]
_URL_ATTR = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url: ?'([^']+)'""")


def _referenced(html: str) -> list[str]:
    return [a or b for a, b in _URL_ATTR.findall(html)]


@pytest.mark.parametrize("path", PAGES)
async def test_docs_reference_only_same_origin_urls_that_answer(client, path):
    page = await client.get(path)
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    urls = _referenced(page.text)
    assert any(u.endswith(".js") for u in urls), urls
    assert "/openapi.json" in urls
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        r = await client.get(url)
        assert r.status_code == 200, url
        assert r.headers.get("x-content-type-options") == "nosniff" or url == "/openapi.json"


@pytest.mark.parametrize("path", PAGES)
async def test_docs_pages_cannot_be_framed_and_run_only_our_scripts(client, path):
    r = await client.get(path)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert r.headers["x-frame-options"] == "DENY"

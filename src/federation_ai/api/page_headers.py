"""Security headers of the HTML pages the API serves (the dashboard, the API docs)."""

from __future__ import annotations

# No page of ours may be framed by another site, sniffed into another type or leak
# its URL (a key in the fragment stays out of the Referer anyway, but none is sent).
FRAME_AND_SNIFF = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def page_headers(csp: str) -> dict[str, str]:
    """The headers of a page (or an asset of one) served under ``csp``."""
    if "frame-ancestors 'none'" not in csp:
        raise ValueError("a page's CSP must forbid framing (frame-ancestors 'none')")
    return {"Content-Security-Policy": csp, **FRAME_AND_SNIFF}

"""compare.html in real Chromium: offline, no console error, one chart per account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from federation_ai.cli.main import app
from tests.dashboard.conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("width", [1280, 800])
def test_compare_page_opens_offline_with_both_curves(tmp_path, width):
    require_chromium()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "replay",
            str(ROOT / "examples" / "history-60d.jsonl"),
            "--compare",
            str(ROOT / "examples" / "freeze-5pct.toml"),
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    compared = json.loads((out / "compare.json").read_text())
    accounts = json.loads((out / "a" / "report.json").read_text())["accounts"]
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
            )
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto((out / "compare.html").as_uri())
            page.wait_for_selector("figure canvas")
            with_curves = sum(1 for a in accounts.values() if a["snapshots"])
            assert page.locator("figure[data-account] canvas").count() == with_curves
            legend = page.locator("figure[data-account]").first.inner_text()
            assert "governed A" in legend and "governed B" in legend
            counts = compared["decisions"]["counts"]
            assert f"{counts['added']} only in B" in page.inner_text("main")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            browser.close()
    assert problems == []
    assert [u for u in requests if not u.startswith("file:")] == []

"""The operator dashboard: static assets (HTML, JS, CSS) served at ``/`` by the API.

No build step: the files in ``static/`` are what the browser runs.
"""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"

__all__ = ["STATIC_DIR"]

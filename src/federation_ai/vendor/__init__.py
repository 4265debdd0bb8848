"""Third-party browser code, vendored unchanged from its package (see each directory's README)."""

from pathlib import Path

UPLOT_DIR = Path(__file__).parent / "uplot"

__all__ = ["UPLOT_DIR"]

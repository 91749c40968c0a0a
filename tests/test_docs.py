"""The documentation site builds with `mkdocs build --strict` (a broken link, a page left out
of the navigation or a docstring that cannot be rendered fails it), the REST API page lists
every route of the served OpenAPI document, and the README stays a short first read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from monitor.service.extensions import load_extensions, service_openapi

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 300


def test_the_site_builds_strictly_and_the_api_page_lists_every_route(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    api_page = (site / "api" / "index.html").read_text()
    paths = service_openapi(load_extensions())["paths"]
    assert paths
    for path in paths:
        assert f"<code>{path}</code>" in api_page, path
    reference = (site / "reference" / "index.html").read_text()
    assert "build_baseline" in reference and "Benjamini" in reference


def test_the_readme_is_a_short_first_read_linking_to_the_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < README_MAX_LINES
    assert "make run" in readme and "make test" in readme
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.name != "index.md":
            assert page.name in (ROOT / "mkdocs.yml").read_text(), f"{page.name} not in the nav"

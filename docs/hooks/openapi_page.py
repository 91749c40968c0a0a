"""MkDocs hook: the REST API page lists every route of the OpenAPI document that a running
``driftline serve`` publishes at ``/api/openapi.json`` (core routes and installed
extensions), so the page cannot drift from the code."""

from __future__ import annotations

from typing import Any

MARKER = "<!-- openapi-routes -->"


def _routes_table() -> str:
    from monitor.service.extensions import load_extensions, service_openapi

    document = service_openapi(load_extensions())
    lines = ["| method | path | what it does | answers |", "| --- | --- | --- | --- |"]
    for path, item in sorted(document["paths"].items()):
        for method, operation in sorted(item.items()):
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ", ".join(sorted(operation["responses"]))
            summary = str(operation.get("summary", "")).replace("|", "\\|")
            lines.append(f"| `{method.upper()}` | `{path}` | {summary} | {codes} |")
    return "\n".join(lines)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, _routes_table())
    return markdown

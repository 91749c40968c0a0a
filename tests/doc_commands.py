"""Shell blocks of README.md and docs/*.md, read and run as written (the helpers of
tests/test_readme_commands.py and tests/test_docs_commands.py).

The convention (docs/architecture.md, "Commands in the docs"): every fenced block names its
language; every ``sh``/``bash``/``shell``/``console`` block is either run by a test, or is
marked, on the line before its fence, as an example that the tests do not run, with the
reason::

    <!-- example: needs a Dask scheduler at tcp://scheduler:8786 -->

An HTML comment renders as nothing on the site and on GitHub. A page's unmarked blocks run
in order, in one folder, one command at a time through ``bash -c``, with this Driftline's
``driftline`` first on PATH and no ``DRIFTLINE_*`` or ``MLFLOW_TRACKING_URI`` variable from
the caller. ``driftline serve`` and ``driftline serve-model`` block until stopped, so they
run in the background on a free 127.0.0.1 port instead of the one written (``--port N``), the
page's later commands reach them there (``localhost:N``, ``127.0.0.1:N``), and they are
stopped when the page is done.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx

ROOT: Final = Path(__file__).resolve().parents[1]
PAGES: Final = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
"""Every page whose blocks the convention covers."""
SHELL_LANGUAGES: Final = frozenset({"sh", "bash", "shell", "console"})
COMMAND_TIMEOUT_S: Final = 300
SERVER_READY_TIMEOUT_S: Final = 90
"""serve-model loads the model before it listens: several seconds on a loaded machine."""
SERVERS: Final = {"serve": "/api/health", "serve-model": "/ping"}
"""Commands that block until stopped, and the path that answers 200 once they are ready."""

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_MARKER = re.compile(r"^\s*<!--\s*example:(?P<reason>.*?)-->\s*$")
MARKER_START: Final = re.compile(r"<!--\s*example\b")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    """1-based line of the opening fence."""
    language: str
    """The info string's first word, lowercase; empty when the fence names none."""
    text: str
    example: str | None
    """The reason given by an ``<!-- example: ... -->`` line before the fence, else None."""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def is_shell(self) -> bool:
        return self.language in SHELL_LANGUAGES


def _fences(lines: list[str]) -> Iterator[tuple[int, int, re.Match[str]]]:
    """(opening line, closing line, the opening's match) of each fenced block, 0-based."""
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence = opening["fence"]
        closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        yield i, end, opening
        i = end + 1


def prose(page: Path) -> str:
    """``page`` without its fenced blocks."""
    lines = page.read_text().splitlines()
    for start, end, _ in reversed(list(_fences(lines))):
        del lines[start : end + 1]
    return "\n".join(lines)


def fenced_blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, with the example marker before it, if any."""
    lines = page.read_text().splitlines()
    blocks: list[Block] = []
    for i, end, opening in _fences(lines):
        previous = next((line for line in reversed(lines[:i]) if line.strip()), "")
        marker = _MARKER.match(previous)
        info = opening["info"].strip().split()
        blocks.append(
            Block(
                page=page,
                line=i + 1,
                language=info[0].lower().lstrip("{.") if info else "",
                text="\n".join(line.removeprefix(opening["indent"]) for line in lines[i + 1 : end]),
                example=marker["reason"].strip() if marker else None,
            )
        )
    return blocks


def shell_blocks(page: Path) -> list[Block]:
    return [block for block in fenced_blocks(page) if block.is_shell]


def commands(block: Block) -> list[str]:
    """The block's commands as bash reads them: a line continued by a trailing backslash or
    by an open quote joins the next; comment lines are left out (``console`` blocks: only
    the lines after a ``$`` prompt)."""
    lines = block.text.splitlines()
    if block.language == "console":
        lines = _prompted(lines)
    found: list[str] = []
    pending = ""
    for line in lines:
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line + "\n"
        if line.rstrip().endswith("\\") or not _closed(pending):
            continue
        found.append(pending.strip())
        pending = ""
    assert not pending, f"{block.where}: an unfinished command: {pending!r}"
    return found


def _prompted(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if line.startswith("$ "):
            kept.append(line[2:])
        elif kept and kept[-1].rstrip().endswith("\\"):
            kept.append(line)
    return kept


def _closed(command: str) -> bool:
    try:
        shlex.split(command, comments=True)
    except ValueError:  # "No closing quotation": the command goes on on the next line
        return False
    return True


def flat(command: str) -> str:
    """``command`` on one line, single-spaced (backslash-newlines joined)."""
    return " ".join(re.sub(r"\\\n", " ", command).split())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def command_env() -> dict[str, str]:
    """This environment without Driftline's and MLflow's settings, with this Python's
    scripts (``driftline``) first on PATH."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DRIFTLINE_") and key != "MLFLOW_TRACKING_URI"
    }
    kept["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return kept


@dataclass(frozen=True, slots=True)
class Ran:
    """One command that ran to its end."""

    command: str
    """As run (ports moved), on one line, its comment included."""
    words: str
    """The words bash passed to the program, space-separated: no comment."""
    returncode: int
    stdout: str
    stderr: str


@dataclass
class PageRun:
    """The state of one page's run: its folder and environment, what ran, what serves."""

    folder: Path
    env: dict[str, str]
    ran: list[Ran] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    """Base URLs of the servers the page's own commands started, in order."""
    ports: dict[str, str] = field(default_factory=dict)
    """Port written in the page -> port used."""
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def background(self, argv: list[str] | str, ready_url: str, log: str) -> None:
        """Start ``argv`` (a list, or a bash command line) in the folder; return once
        ``ready_url`` answers 200. Its output goes to ``log`` in the folder."""
        args = ["bash", "-c", f"exec {argv}"] if isinstance(argv, str) else argv
        with open(self.folder / log, "wb") as out:  # the child keeps its own copy
            process = subprocess.Popen(
                args, cwd=self.folder, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self._processes.append(process)
        deadline = time.monotonic() + SERVER_READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert process.poll() is None, (argv, process.returncode, self.tail(log))
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"{argv}: {ready_url} did not answer 200: {self.tail(log)}")

    def tail(self, log: str) -> str:
        return (self.folder / log).read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """Stop every background process, newest first; a server must stop on SIGTERM."""
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    raise AssertionError(f"{process.args} ignored SIGTERM for 30 s") from None


@dataclass(frozen=True)
class Page:
    """How to run one page's unmarked shell blocks.

    ``prepare`` makes the files they name in the folder (and may set environment variables
    or start a server the page takes as given); ``expect`` maps a command's start to its
    exit status (every other command must exit 0, and every entry must match a command);
    ``after_serve`` runs once a server the page started answers (its base URL given);
    ``verify`` asserts what the commands made."""

    path: Path
    prepare: Callable[[PageRun], None]
    expect: Mapping[str, int] = field(default_factory=dict)
    after_serve: Callable[[PageRun, str], None] | None = None
    verify: Callable[[PageRun], None] | None = None


def run_page(page: Page, folder: Path) -> PageRun:
    """Run every unmarked shell block of ``page.path``, in order, in ``folder``."""
    blocks = [block for block in shell_blocks(page.path) if block.example is None]
    assert blocks, f"{page.path.name} has no unmarked shell block to run"
    run = PageRun(folder, command_env())
    used: set[str] = set()
    try:
        page.prepare(run)
        for block in blocks:
            for written in commands(block):
                _run_command(page, run, block, written, used)
        unused = set(page.expect) - used
        assert not unused, f"{page.path.name}: exit statuses expected of no command: {unused}"
        if page.verify is not None:
            page.verify(run)
    finally:
        run.stop()
    return run


def _run_command(page: Page, run: PageRun, block: Block, written: str, used: set[str]) -> None:
    command = _moved(written, run.ports)
    argv = shlex.split(command, comments=True)
    if argv[0] == "driftline" and len(argv) > 1 and argv[1] in SERVERS:
        assert "--port" in argv, f"{block.where}: give `{argv[0]} {argv[1]}` a --port"
        written_port = argv[argv.index("--port") + 1]
        port = str(free_port())
        run.ports[written_port] = port
        command = command.replace(f"--port {written_port}", f"--port {port}", 1)
        url = f"http://127.0.0.1:{port}"
        run.background(command, url + SERVERS[argv[1]], f"{argv[1]}-{port}.log")
        run.urls.append(url)
        if page.after_serve is not None:
            page.after_serve(run, url)
        return
    ran = subprocess.run(
        ["bash", "-c", command],
        cwd=run.folder,
        env=run.env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )
    starts = [start for start in page.expect if flat(written).startswith(start)]
    expected = page.expect[max(starts, key=len)] if starts else 0
    used.update(starts)
    assert ran.returncode == expected, (
        f"{block.where}: `{flat(command)}` exited {ran.returncode}, expected {expected}",
        ran.stdout[-2000:],
        ran.stderr[-2000:],
    )
    words = " ".join(shlex.split(command, comments=True))
    run.ran.append(Ran(flat(command), words, ran.returncode, ran.stdout, ran.stderr))


def _moved(command: str, ports: Mapping[str, str]) -> str:
    for written, port in ports.items():
        command = re.sub(rf"\b(localhost|127\.0\.0\.1):{written}\b", rf"\g<1>:{port}", command)
    return command


def output_of(run: PageRun, words: str, *, exact: bool = False) -> Ran:
    """The one command of the run whose words (comment left out) start with ``words``, or
    with ``exact``, are ``words``."""
    found = [
        ran for ran in run.ran if ran.words == words or (not exact and ran.words.startswith(words))
    ]
    assert len(found) == 1, (words, [ran.words for ran in run.ran])
    return found[0]


def every_block() -> Iterator[Block]:
    for page in PAGES:
        yield from fenced_blocks(page)

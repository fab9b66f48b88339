"""Sealed environment and real-repository fixtures shared by every test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from gitmem.cli.main import main

THOROUGH = os.environ.get("GITMEM_THOROUGH") == "1"
"""Set by ``.ci/run`` for its second pass: property tests at their full example counts."""


def examples(count: int) -> int:
    """A property test's example count: in full when thorough, a fifth in the default run."""
    return count if THOROUGH else max(10, count // 5)


settings.register_profile("default-run", max_examples=examples(100))
settings.load_profile("default-run")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every hypothesis test is also marked ``properties`` (``pytest -m properties``)."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.properties)


@pytest.fixture(autouse=True)
def sealed_env(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
               ) -> Iterator[None]:
    """No real $HOME, global git config, editor or clock-dependent identity reaches a test; and no
    write gitmem made during it (a hook's included, which git never sees fail) failed its checks."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        # ...nor the agent running the suite (its shell's variables name it to gitmem: agent_env.py)
        if name.startswith(("GIT_", "GITMEM_", "CODEX_", "CLAUDE", "GEMINI_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_EDITOR", "false")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("GITMEM_TEST_CHECK_WRITES", "1")  # every ref gitmem moves: checked as fsck would
    yield
    for log in tmp_path.glob("**/.git/codex/events.jsonl"):
        refused = [line for line in log.read_text(encoding="utf-8").splitlines() if "its own checks refuse" in line]
        assert not refused, f"{log}: {refused[0]}"


TOOLS = Path(os.environ.get("GITMEM_TEST_TOOLS") or Path(__file__).resolve().parents[1] / ".cache" / "tools")
"""Where the suite installs the pinned npm packages it drives (husky, lefthook, the agents)."""
REAL_HOME = os.environ.get("HOME", "/")
"""npm's own cache and config live in the real home, not a test's sealed one."""


def npm_tool(package: str, version: str, binary: str) -> Path:
    """``binary`` of ``package@version``, installed once from npm into ``TOOLS``; the test is
    skipped, saying why, where npm or its registry cannot be reached."""
    prefix = TOOLS / f"{package.replace('/', '+')}@{version}"
    path = prefix / "node_modules" / ".bin" / binary
    if path.exists():
        return path
    import shutil

    if shutil.which("npm") is None:
        pytest.skip(f"SKIPPED LOUDLY: npm is not installed, so {package}@{version} cannot be tried for real")
    prefix.mkdir(parents=True, exist_ok=True)
    # --ignore-scripts: a package's install script (lefthook's runs ``lefthook install``) must
    # not touch the repository npm was started from.
    result = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts",
                             "--prefix", str(prefix), f"{package}@{version}"], cwd=prefix, capture_output=True,
                            text=True, timeout=600, env={**os.environ, "HOME": REAL_HOME})
    if result.returncode != 0 or not path.exists():
        pytest.skip(f"SKIPPED LOUDLY: npm could not install {package}@{version}: {result.stderr.strip()[-300:]}")
    return path


def git(cwd: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, input=input)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real repository on branch main with one commit (not yet initialised for gitmem)."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "README").write_text("hello\n")
    git(path, "add", "README")
    git(path, "commit", "-q", "-m", "initial")
    return path


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(repo: Path, capfd: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``git codex ARGS`` in-process against ``repo``; ``expect`` checks the exit code."""

    def run(*args: str, cwd: Path | None = None, expect: int | None = 0) -> Result:
        capfd.readouterr()
        code = main(["-C", str(cwd or repo), *args])
        out, err = capfd.readouterr()
        if expect is not None and code != expect:
            raise AssertionError(f"git codex {' '.join(args)} exited {code}, wanted {expect}\nstdout: {out}\nstderr: {err}")
        return Result(code, out, err)

    return run


@pytest.fixture
def initialised(repo: Path, cli: Callable[..., Result]) -> Path:
    cli("init")
    return repo


def run_git_codex(cwd: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command in a new process, as users and hooks run it."""
    return subprocess.run(
        [sys.executable, "-m", "gitmem", *args], cwd=cwd, capture_output=True, text=True, input=input
    )


def memory_tip(repo: Path, branch: str = "main") -> str:
    return git(repo, "rev-parse", f"refs/codex/branches/{branch}").strip()


def plant_all(repo: Path, ref: str, changes: Mapping[str, bytes | None], message: str = "crafted") -> str:
    """A commit on top of ``ref`` (by plumbing: no gitmem) whose tree has each path set to its
    bytes (None: removed); ``ref`` moves to it."""
    tip = git(repo, "rev-parse", ref).strip()
    index = str(repo.parent / "crafted.index")
    os.environ["GIT_INDEX_FILE"] = index
    try:
        git(repo, "-c", "core.hooksPath=/dev/null", "read-tree", f"{tip}^{{tree}}")
        for path, data in changes.items():
            if data is None:
                git(repo, "update-index", "--force-remove", path)
            else:
                blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input=data,
                                      capture_output=True, check=True).stdout.decode().strip()
                git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
        tree = git(repo, "write-tree").strip()
    finally:
        del os.environ["GIT_INDEX_FILE"]
        Path(index).unlink(missing_ok=True)
    commit = git(repo, "commit-tree", tree, "-p", tip, "-m", message).strip()
    git(repo, "update-ref", ref, commit, tip)
    return commit


def plant(repo: Path, ref: str, path: str, data: bytes | None, message: str = "crafted") -> str:
    """``plant_all`` of one path."""
    return plant_all(repo, ref, {path: data}, message)

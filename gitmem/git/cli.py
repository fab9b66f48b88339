"""The ``git`` binary, for what libgit2 lacks (patch ids) and for transport.

gitmem's own git calls never run hooks (``core.hooksPath=/dev/null``), so a gitmem
command inside a hook cannot recurse into gitmem.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gitmem.core.errors import GitmemError

if TYPE_CHECKING:
    import subprocess


class GitCommandError(GitmemError):
    """A git subprocess failed; its stderr is the message."""


def run_git_result(cwd: str, args: Sequence[str], *, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    import subprocess  # most commands never run git: not paid at start-up

    cmd = ["git", "-c", "core.hooksPath=/dev/null", *args]
    try:
        return subprocess.run(cmd, cwd=cwd, input=input, capture_output=True, check=False)
    except OSError as exc:
        raise GitCommandError(f"cannot run git: {exc}", hint="is git installed and on PATH?") from exc


def run_git(cwd: str, args: Sequence[str], *, input: bytes | None = None, check: bool = True) -> bytes:
    result = run_git_result(cwd, args, input=input)
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed"
        raise GitCommandError(message)
    return result.stdout


def patch_ids(cwd: str, revs: Sequence[str]) -> dict[str, str]:
    """commit -> stable patch id, for the given commits (merges and empty commits have none)."""
    if not revs:
        return {}
    log = run_git(cwd, ["show", "--no-color", "--format=commit %H", "--no-ext-diff", *revs], check=False)
    out = run_git(cwd, ["patch-id", "--stable"], input=log, check=False)
    ids = {}
    for line in out.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 2:
            ids[parts[1]] = parts[0]
    return ids


def pack_blobs(git_dir: str, datas: list[bytes]) -> list[str]:
    """Write ``datas`` as blobs into one new pack (``git fast-import``); their ids, in order.
    No ref is touched: the caller builds trees on the ids and moves its ref by CAS."""
    import tempfile

    stream = b"".join(b"blob\nmark :%d\ndata %d\n%s\n" % (n, len(data), data) for n, data in enumerate(datas, 1))
    with tempfile.TemporaryDirectory(prefix="gitmem-pack-") as tmp:
        marks = os.path.join(tmp, "marks")
        run_git(git_dir, ["--git-dir", git_dir, "fast-import", "--quiet", "--done", f"--export-marks={marks}"],
                input=stream + b"done\n")
        with open(marks, encoding="ascii") as fh:
            ids = dict(line.split() for line in fh)
    return [ids[f":{n}"] for n in range(1, len(datas) + 1)]


def command_line_config() -> dict[str, str]:
    """``git -c key=value codex ...`` settings, which git passes in the environment and
    libgit2 does not read: GIT_CONFIG_PARAMETERS and GIT_CONFIG_COUNT/KEY_n/VALUE_n."""
    out: dict[str, str] = {}
    parameters = os.environ.get("GIT_CONFIG_PARAMETERS", "")
    if parameters:
        import shlex

        with contextlib.suppress(ValueError):
            for item in shlex.split(parameters):
                key, sep, value = item.partition("=")
                out[key.lower()] = value if sep else "true"
    with contextlib.suppress(ValueError):
        for n in range(int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)):
            name = os.environ.get(f"GIT_CONFIG_KEY_{n}")
            if name:
                out[name.lower()] = os.environ.get(f"GIT_CONFIG_VALUE_{n}", "")
    return out


def config_origin(cwd: str, name: str) -> str:
    """The file that sets ``name``, as ``git config --show-origin`` says (the last one wins;
    gitmem's own ``-c core.hooksPath=/dev/null`` is left out), or "command line"."""
    result = run_git_result(cwd, ["config", "--show-origin", "--get-all", name])
    origins = [line.split("\t", 1)[0] for line in result.stdout.decode("utf-8", "replace").splitlines()]
    files = [o.removeprefix("file:") for o in origins if o.startswith("file:")]
    return files[-1] if files else "command line" if origins else ""


def head_is_merge(cwd: str) -> bool:
    """Whether HEAD has a second parent (one ``git rev-parse``; no repository is opened)."""
    return run_git_result(cwd, ["rev-parse", "-q", "--verify", "HEAD^2"]).returncode == 0

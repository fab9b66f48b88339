"""Talking to remotes through the user's ``git`` (credentials, ssh, http, git://)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gitmem.git.cli import GitCommandError, run_git, run_git_result


@dataclass(frozen=True, slots=True)
class PushResult:
    ok: bool
    rejected: list[str]
    message: str
    updated: tuple[str, ...] = ()
    """Remote refs that moved (porcelain lines not marked '=' up to date)."""


def _explain(remote: str, exc: GitCommandError) -> GitCommandError:
    text = exc.message
    lower = text.lower()
    if "authentication failed" in lower or "permission denied" in lower or "could not read username" in lower:
        hint = f"check your credentials for {remote} (the same ones 'git fetch {remote}' uses)"
    elif any(s in lower for s in ("could not resolve", "connection refused", "unable to access", "does not appear to be",
                                  "unable to connect", "no such remote", "not a git repository", "timed out")):
        hint = f"is {remote} reachable? try 'git ls-remote {remote}'"
    else:
        hint = f"the same command through git: git ls-remote {remote}"
    first = text.splitlines()[-1] if text else "git failed"
    return GitCommandError(f"{remote}: {first}", hint=hint)


def ls_remote(cwd: str, remote: str, patterns: Sequence[str]) -> dict[str, str]:
    """Refs on ``remote`` matching ``patterns``: name -> id."""
    try:
        out = run_git(cwd, ["ls-remote", "--refs", remote, *patterns])
    except GitCommandError as exc:
        raise _explain(remote, exc) from exc
    refs = {}
    for line in out.decode("utf-8", "replace").splitlines():
        oid, _, name = line.partition("\t")
        if len(oid) in (40, 64) and name:
            refs[name] = oid
    return refs


def fetch(cwd: str, remote: str, refspecs: Sequence[str]) -> None:
    if not refspecs:
        return
    try:
        run_git(cwd, ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, *refspecs])
    except GitCommandError as exc:
        raise _explain(remote, exc) from exc


def push(cwd: str, remote: str, refspecs: Sequence[str]) -> PushResult:
    """An atomic, never forced push; a rejection is a result, other failures raise."""
    if not refspecs:
        return PushResult(True, [], "nothing to push")
    result = run_git_result(cwd, ["push", "--atomic", "--porcelain", remote, *refspecs])
    text = result.stdout.decode("utf-8", "replace")
    errors = result.stderr.decode("utf-8", "replace")
    rejected = [line.split("\t")[1].split(":")[-1] for line in text.splitlines() if line.startswith("!") and "\t" in line]
    if result.returncode == 0:
        updated = tuple(line.split("\t")[1].split(":")[-1] for line in text.splitlines()
                        if "\t" in line and line[:1] in (" ", "+", "*", "-"))
        return PushResult(True, [], text.strip(), updated)
    if rejected or "[rejected]" in text or "atomic push failed" in errors:
        return PushResult(False, rejected, (text + errors).strip())
    raise _explain(remote, GitCommandError(errors.strip() or text.strip() or "push failed"))

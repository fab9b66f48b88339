"""Installing the hook shims: chaining, byte-for-byte uninstall, and status."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from importlib import resources

from gitmem.core.constants import HOOK_MARKER
from gitmem.core.errors import GitmemError
from gitmem.git.repo import Repo

HOOKS = ("post-checkout", "post-rewrite", "post-merge", "post-commit")
ORIG_SUFFIX = ".gitmem-orig"


def hooks_dir(repo: Repo) -> str:
    """Where git looks for hooks: core.hooksPath (refused inside the work tree) or .git/hooks."""
    configured = repo.config_get("core.hooksPath")
    if not configured:
        return os.path.join(repo.common_dir, "hooks")
    path = os.path.expanduser(configured)
    if not os.path.isabs(path):
        path = os.path.join(repo.workdir or repo.common_dir, path)
    path = os.path.normpath(path)
    if repo.workdir and (path + os.sep).startswith(repo.workdir + os.sep):
        raise GitmemError(
            f"core.hooksPath points inside the work tree ({configured}); another hook manager owns those hooks",
            hint="add 'git codex hook <name> \"$@\"' to that manager's post-checkout, post-rewrite (with stdin), "
            "post-merge and post-commit hooks, or use the pre-commit hooks in .pre-commit-hooks.yaml",
        )
    return path


def python_flags() -> str:
    """How the shims start Python so that nothing the repository holds can be imported.

    ``-I`` (isolated: no current directory, no PYTHON* variables, no user site-packages)
    unless gitmem itself lives in the user's site-packages (``pip install --user``); then
    ``-E -P``, which still keeps the work tree off ``sys.path``."""
    import site

    here = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    user = os.path.realpath(site.getusersitepackages())
    return "-E -P" if (here + os.sep).startswith(user + os.sep) else "-I"


def render(hook: str) -> str:
    template = resources.files("gitmem.hooks").joinpath("shim.sh").read_text(encoding="utf-8")
    return (template.replace("@HOOK@", hook).replace("@PYTHON@", shlex.quote(sys.executable))
            .replace("@FLAGS@", python_flags()))


def shim_python(text: str) -> str | None:
    """The interpreter a shim names (its ``GITMEM_PYTHON=`` line), if it names one."""
    for line in text.splitlines():
        if line.startswith("GITMEM_PYTHON="):
            try:
                words = shlex.split(line[len("GITMEM_PYTHON="):])
            except ValueError:
                return None
            return words[0] if words else None
    return None


def refresh(repo: Repo, hook: str) -> bool:
    """Rewrite an installed shim that an older gitmem rendered (called from the hook itself)."""
    try:
        path = os.path.join(hooks_dir(repo), hook)
    except GitmemError:
        return False
    if not is_shim(path):
        return False
    with open(path, encoding="utf-8") as fh:
        if fh.read() == render(hook):
            return False
    _write(path, render(hook))
    return True


def is_shim(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return HOOK_MARKER.encode() in fh.read(4096)
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class HookState:
    hook: str
    state: str
    """installed | outdated | broken | missing | foreign | wrapped"""
    chained: bool
    detail: str = ""


def install(repo: Repo) -> list[str]:
    """Install the shims, keeping any existing hook as <hook>.gitmem-orig; idempotent."""
    directory = hooks_dir(repo)
    os.makedirs(directory, exist_ok=True)
    done = []
    for hook in HOOKS:
        path = os.path.join(directory, hook)
        if is_shim(path):
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
            if current != render(hook):
                _write(path, render(hook))
                done.append(f"{hook}: updated")
            continue
        orig = path + ORIG_SUFFIX
        if os.path.lexists(path):
            if os.path.lexists(orig):
                raise GitmemError(f"{orig} already exists", hint="move it away, then run 'git codex hooks install' again")
            os.rename(path, orig)
            done.append(f"{hook}: installed (your hook is kept as {hook}{ORIG_SUFFIX} and still runs)")
        else:
            done.append(f"{hook}: installed")
        _write(path, render(hook))
    return done


def _write(path: str, text: str) -> None:
    tmp = path + ".gitmem-tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)


def uninstall(repo: Repo) -> list[str]:
    """Remove the shims and put back the hooks they replaced, unchanged."""
    directory = hooks_dir(repo)
    done = []
    for hook in HOOKS:
        path = os.path.join(directory, hook)
        orig = path + ORIG_SUFFIX
        if not is_shim(path):
            continue
        os.remove(path)
        if os.path.lexists(orig):
            os.rename(orig, path)
            done.append(f"{hook}: removed; your original hook is back")
        else:
            done.append(f"{hook}: removed")
    return done


def status(repo: Repo) -> list[HookState]:
    directory = hooks_dir(repo)
    states = []
    for hook in HOOKS:
        path = os.path.join(directory, hook)
        chained = os.path.lexists(path + ORIG_SUFFIX)
        if is_shim(path):
            states.append(_shim_state(path, hook, chained))
            continue
        wrapped = [n for n in sorted(os.listdir(directory)) if n.startswith(hook + ".") and not n.endswith(ORIG_SUFFIX)
                   and is_shim(os.path.join(directory, n))] if os.path.isdir(directory) else []
        if wrapped:
            detail = (f"another hook manager replaced the shim and keeps it as {wrapped[0]}; it may not pass "
                      + ("post-rewrite's stdin: after amend/rebase the next command reports drift and "
                         "'git codex cache reconcile --rebuild' remaps by patch id" if hook == "post-rewrite"
                         else "the hook's arguments; drift is still caught by the next command"))
            states.append(HookState(hook, "wrapped", chained, detail))
        elif os.path.lexists(path):
            states.append(HookState(hook, "foreign", chained, "a hook gitmem did not install"))
        else:
            states.append(HookState(hook, "missing", chained))
    return states


def _shim_state(path: str, hook: str, chained: bool) -> HookState:
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    python = shim_python(text)
    if not python or not os.access(python, os.X_OK):
        return HookState(hook, "broken", chained, f"the Python it runs ({python or 'none named'}) is gone; gitmem's part "
                         "does nothing until 'git codex hooks install' names this one")
    if text != render(hook):
        return HookState(hook, "outdated", chained, "rendered by another gitmem; 'git codex hooks install' updates it")
    return HookState(hook, "installed", chained)

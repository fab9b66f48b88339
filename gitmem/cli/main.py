"""Entry point: the command line to click (``cli.py``), errors to exit codes, reads' output kept."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from gitmem.core.errors import GitmemError


def _crash_report() -> str:
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="gitmem-crash-", suffix=".log")
    with os.fdopen(fd, "w") as fh:
        fh.write(traceback.format_exc())
    return path


class _Tee:
    """Passes writes through while keeping a copy (to remember a cacheable read's output)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return int(self.stream.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class _Recorder:
    """Records stdout (and whether anything went to stderr) of a read the fast path may answer."""

    def __init__(self, key_before: str | None) -> None:
        self.out, self.err = _Tee(sys.stdout), _Tee(sys.stderr)
        self.key_before = key_before
        sys.stdout, sys.stderr = self.out, self.err

    @classmethod
    def start(cls, args: list[str]) -> _Recorder | None:
        from gitmem.derived import answers

        if answers.request(args) is None or sys.stdout.isatty():
            return None
        return cls(answers.current_key(args))

    @staticmethod
    def restore() -> None:
        while isinstance(sys.stdout, _Tee):
            sys.stdout = sys.stdout.stream
        while isinstance(sys.stderr, _Tee):
            sys.stderr = sys.stderr.stream

    def finish(self, args: list[str], code: int) -> None:
        self.restore()
        if code == 0 and not self.err.parts:
            from gitmem.derived import answers

            answers.remember(args, "".join(self.out.parts), self.key_before)


def _error(text: str) -> None:
    """One diagnostic line; what it quotes (titles, agent and ref names) can come from a remote."""
    from gitmem.core.text import flat

    sys.stderr.write(flat(text) + "\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 user error, 2 usage, 3 bug, 130 ^C)."""
    try:
        return _run(argv)
    finally:
        _Recorder.restore()


def _dispatch(args: list[str]) -> int:
    from gitmem.cli import app as cli

    return cli.run(args)


def _start(args: list[str]) -> str:
    """Where the command runs: the path of a leading ``-C PATH``, else here."""
    return args[1] if len(args) > 1 and args[0] == "-C" else "."


def _run(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    recorder = _Recorder.start(args)
    try:
        code = _dispatch(args)
        if recorder is not None:
            recorder.finish(args, code)
        return code
    except GitmemError as exc:
        from gitmem.cli.faults import fault
        from gitmem.git.cli import GitCommandError

        exc = (fault(exc, _start(args)) or exc) if isinstance(exc, GitCommandError) else exc
        _error(f"error: {exc.message}")
        if exc.hint:
            _error(f"hint: {exc.hint}")
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as exc:
        from gitmem.cli.faults import fault

        machine = fault(exc, _start(args))
        if machine is not None:
            _error(f"error: {machine.message}")
            _error(f"hint: {machine.hint}")
            return machine.exit_code
        _error(f"error: internal error ({type(exc).__name__}: {exc})")
        _error(f"hint: this is a gitmem bug; the traceback is in {_crash_report()}")
        return 3

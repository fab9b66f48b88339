"""Secrets out of memory before it is written: memory and notes are pushed to every remote.

Turn summaries, actions, follow-ups and approvals, imported prompts and answers, and plan
steps pass through a ``Redactor`` on their way into a record. The scanning is Yelp's
detect-secrets (its provider detectors: AWS, GitHub, GitLab, Slack, Stripe, OpenAI, npm,
PyPI, JWTs, private keys and more; its keyword detector for ``password = ...``; its
high-entropy detector for quoted base64), never patterns of our own. Each finding becomes
``[redacted <kind>]``. detect-secrets costs about 130 ms to import (it loads ``requests``),
so a text is handed to it only when it holds something a secret would need
(``may_hold_secret``): a long token of letters and digits that is not a hex id, or a word
such as "password" or "private key"; ordinary prose, commit ids and paths skip it.
``git config codex.redact false`` turns redaction off; each redaction is
counted in the local events (``git codex stats``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gitmem.git.repo import Repo

MARKER = "[redacted {kind}]"
_RUN = re.compile(r"[A-Za-z0-9_\-+=]{16,}")
_HEXLIKE = re.compile(r"[0-9a-fA-F\-]+")
_WORDS = re.compile(r"(?i:passw|passphrase|(?:db|database|key)_?pass|pwd|secret|contrase"
                    r"|(?:api|auth|service|account|db|database|priv|private|client)[_\- ]?key)"
                    r"|://[^\s:/@]+:[^\s@/]+@")
"""The words detect-secrets' keyword, private-key and basic-auth detectors look for."""


def may_hold_secret(text: str) -> bool:
    """Could a detector find anything in ``text``? Every provider token it knows is a run of
    16 or more token characters with letters and digits, not only hex (commit and object ids,
    UUIDs); the other detectors need one of ``_WORDS``. Prose, ids and paths say no."""
    if _WORDS.search(text):
        return True
    for found in _RUN.finditer(text):
        run = found.group()
        if not _HEXLIKE.fullmatch(run) and any(c.isdigit() for c in run) and any(c.isalpha() for c in run):
            return True
    return False


_SKIPPED = ("Hex High Entropy String", "Public IP (ipv4)")
"""Commit and object ids are hex, and addresses are not secrets: both are memory's daily text."""
_TOKEN_CHAR = re.compile(r"[A-Za-z0-9+/=_\-.]")
_AS_FILES = ("memory.yaml", "memory.txt")
_PEM = re.compile(r"-----BEGIN[A-Z ]*PRIVATE KEY[A-Z ]*-----.*?(?:-----END[A-Z ]*-----|\Z)", re.S)


@functools.cache
def detectors() -> tuple[Any, ...]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    mapping: dict[str, Any] = get_mapping_from_secret_type_to_class()
    return tuple(make() for kind, make in sorted(mapping.items()) if kind not in _SKIPPED)


def _replace_tokens(value: str, regex: re.Pattern[str], marker: Callable[[], str]) -> str:
    """Each match of ``regex`` widened to the whole token it sits in, replaced by ``marker()``:
    detectors report a captured prefix (``ghp``) or stop short (a JWT's signature)."""
    out: list[str] = []
    last = 0
    for found in regex.finditer(value):
        start, end = found.span()
        if start < last or start == end:
            continue
        while end < len(value) and _TOKEN_CHAR.match(value, end):
            end += 1
        out.extend((value[last:start], marker()))
        last = end
    return "".join(out) + value[last:] if out else value


@dataclass
class Redactor:
    """Redacts secrets from texts on their way into memory, counting what it replaced."""

    enabled: bool = True
    found: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, repo: Repo) -> Redactor:
        return cls(repo.config_bool("codex.redact", True))

    def text(self, value: str) -> str:
        if not self.enabled or not value or not may_hold_secret(value):
            return value
        return self._scan(value)

    def texts(self, values: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.text(v) for v in values)

    def _scan(self, value: str) -> str:
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.settings import default_settings

        def mark(kind: str) -> str:
            self.found[kind] += 1
            return MARKER.format(kind=kind)

        value = _PEM.sub(lambda _: mark("Private Key"), value)
        with default_settings():
            for detector in detectors():
                kind: str = detector.secret_type
                if isinstance(detector, RegexBasedDetector):
                    marker = functools.partial(mark, kind)
                    for regex in detector.denylist:
                        value = _replace_tokens(value, regex, marker)
                    continue
                lines = value.split("\n")
                for n, line in enumerate(lines):
                    # As a YAML or .env line (KEY=value, key: value) and as prose ("password = '...'").
                    for filename in _AS_FILES:
                        for secret in detector.analyze_line(filename=filename, line=line, line_number=n + 1):
                            if secret.secret_value and secret.secret_value in line:
                                line = line.replace(secret.secret_value, mark(kind))
                    lines[n] = line
                value = "\n".join(lines)
        return value

    def record(self, repo: Repo, what: str) -> None:
        """Count this command's redactions in the local events (``stats``)."""
        if self.found:
            from gitmem.store import events

            events.record(repo, "redaction", what=what, count=sum(self.found.values()), kinds=dict(self.found))

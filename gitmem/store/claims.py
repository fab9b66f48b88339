"""``refs/codex/claims``: one table of who took which task, shared by every branch."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gitmem.constants import CLAIMS_REF
from gitmem.errors import CorruptMemory
from gitmem.git.repo import Repo
from gitmem.models import Claim, Stamp
from gitmem.store.cas import update_ref
from gitmem.store.codec import dumps, loads

CLAIMS_DIR = "claims"


def encode_claim(claim: Claim) -> bytes:
    doc = {
        "task": claim.task,
        "agent": claim.agent,
        "actor": claim.actor,
        "branch": claim.branch,
        "at": claim.at,
        "stamp": str(claim.stamp),
    }
    return dumps(doc).encode("utf-8")


def decode_claim(data: bytes, where: str) -> Claim:
    doc = loads(data, where)
    try:
        return Claim(
            task=str(doc["task"]),
            agent=str(doc["agent"]),
            actor=str(doc["actor"]),
            branch=str(doc["branch"]),
            at=str(doc["at"]),
            stamp=Stamp.parse(str(doc["stamp"])),
        )
    except (KeyError, ValueError) as exc:
        raise CorruptMemory(f"{where} is not a valid claim ({exc})", hint="run 'git codex fsck'") from exc


def load_claims(repo: Repo, commit: str | None = None) -> dict[str, Claim]:
    commit = commit or repo.ref_target(CLAIMS_REF)
    if commit is None:
        return {}
    tree = repo.commit_info(commit).tree
    out = {}
    for path, oid in repo.iter_blobs(tree, CLAIMS_DIR):
        claim = decode_claim(repo.read_blob(oid), f"{CLAIMS_REF}:{path}")
        out[claim.task] = claim
    return out


def claim_path(task_id: str) -> str:
    return f"{CLAIMS_DIR}/{task_id}.toml"


def update_claims(
    repo: Repo,
    choose: Callable[[Mapping[str, Claim]], tuple[dict[str, Claim | None], str] | None],
    trailers: Mapping[str, str],
) -> dict[str, Claim | None] | None:
    """Atomically change claims: ``choose`` sees the newest table and returns the entries
    to set (None removes) with a message, or None to write nothing. Retried on races."""

    def attempt(current: str | None) -> tuple[str, str, dict[str, Claim | None]] | None:
        claims = load_claims(repo, current)
        chosen = choose(claims)
        if chosen is None:
            return None
        changes, message = chosen
        blobs = {claim_path(k): (encode_claim(c) if c else None) for k, c in changes.items()}
        base_tree = repo.commit_info(current).tree if current else None
        tree = repo.update_tree(base_tree, blobs)
        body = message + "\n\n" + "".join(f"{k}: {v}\n" for k, v in trailers.items() if v)
        commit = repo.create_commit(tree, [current] if current else [], body)
        return commit, message, changes

    return update_ref(repo, CLAIMS_REF, attempt)

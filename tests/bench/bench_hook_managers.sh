#!/usr/bin/env bash
# What one commit costs with gitmem's hooks under each hook manager (a script, not a test):
#   bash tests/bench/bench_hook_managers.sh [COMMITS]
# Needs husky and lefthook where the test suite installs them (.cache/tools: run
# pytest tests/test_hook_managers.py once) and pre-commit beside the Python running gitmem.
# Each case: a throwaway repository, gitmem initialised the way README says for that
# manager, then COMMITS commits of one changed file; prints milliseconds per commit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools="${GITMEM_TEST_TOOLS:-$here/.cache/tools}"
husky="$tools/husky@9.1.7/node_modules/.bin/husky"
lefthook="$tools/lefthook@2.2.2/node_modules/.bin/lefthook"
commits="${1:-20}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/pre-commit" GIT_CONFIG_NOSYSTEM=1 HOME="$work/home"
mkdir -p "$HOME"
git config --global user.name bench && git config --global user.email bench@example.com

fresh() {
    git init -q -b main "$work/$1" && cd "$work/$1"
    echo 0 > file && git add file && git commit -q --no-verify -m initial
}
measure() {
    local start end
    start=$(date +%s%N)
    for i in $(seq "$commits"); do echo "$i" >> file; git commit -q -a -m "change $i" >/dev/null 2>&1; done
    end=$(date +%s%N)
    printf '%-14s %5d ms per commit\n' "$1" $(( (end - start) / commits / 1000000 ))
}

fresh none && git codex init --no-hooks >/dev/null 2>&1 && measure "no hooks"
fresh shims && git codex init >/dev/null 2>&1 && measure "gitmem shims"
fresh pre-commit && git codex hooks recipe pre-commit > .pre-commit-config.yaml \
    && pre-commit install -t post-checkout -t post-merge -t post-rewrite -t post-commit >/dev/null \
    && git codex init >/dev/null 2>&1 && measure "pre-commit"
fresh lefthook && git codex hooks recipe lefthook > lefthook.yml && "$lefthook" install >/dev/null 2>&1 \
    && git codex init >/dev/null 2>&1 && measure "lefthook"
fresh husky && "$husky" >/dev/null && git codex hooks recipe husky | sh && git codex init >/dev/null 2>&1 \
    && measure "husky"

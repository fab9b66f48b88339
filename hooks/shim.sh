#!/bin/sh
# gitmem-hook-shim-v1: installed by 'git codex hooks install' (hook: @HOOK@).
# 'git codex hooks uninstall' removes it and restores any hook it replaced, byte for byte.
# gitmem's part never fails the git command and prints at most one line; the replaced
# hook (@HOOK@.gitmem-orig) runs first with the same arguments and stdin, and its exit
# status is this hook's exit status.
# The Python that installed gitmem, started so that only installed code can run: -P keeps the
# current directory (the work tree, which any checked-out branch controls) off sys.path and -E
# ignores PYTHON* variables; -I also drops the user's site-packages when gitmem is not there.
GITMEM_PYTHON=@PYTHON@
GITMEM_FLAGS='@FLAGS@'
hook_dir=$(dirname "$0")
orig="$hook_dir/@HOOK@.gitmem-orig"
status=0
stdin_copy=
if [ "@HOOK@" = post-rewrite ]; then
    stdin_copy=$(mktemp "${TMPDIR:-/tmp}/gitmem-rewrite.XXXXXX" 2>/dev/null) && cat >"$stdin_copy" || stdin_copy=
fi
if [ -x "$orig" ]; then
    if [ -n "$stdin_copy" ]; then "$orig" "$@" <"$stdin_copy" || status=$?
    else "$orig" "$@" || status=$?
    fi
fi
# Where gitmem is not enabled (a shared core.hooksPath) no Python starts.
gitmem_part() {
    [ -x "$GITMEM_PYTHON" ] || return 0
    # Cheap checks first: most events need no Python at all.
    case "@HOOK@" in
    post-checkout)
        # Only a branch checkout to a branch without memory needs work now. One git call
        # when the memory ref is a loose file (gitmem writes it so); a second if packed.
        [ "$3" = 1 ] || return 0
        found=$(git rev-parse --git-common-dir --symbolic-full-name HEAD 2>/dev/null) || return 0
        nl='
'
        common=${found%%"$nl"*}
        case "${found#*"$nl"}" in
        refs/heads/*) branch=${found#*"$nl"refs/heads/} ;;
        *) return 0 ;;
        esac
        case "$branch" in
        *[/%]*) encoded=$(printf '%s' "$branch" | sed -e 's/%/%25/g' -e 's#/#%2F#g') ;;
        *) encoded=$branch ;;
        esac
        memory="$common/refs/codex/branches/$encoded"
        log="$common/logs/refs/heads/$branch"
        if [ -f "$memory" ]; then
            # A one-entry reflog newer than the memory: the branch was just recreated under
            # an old name, whose memory must not be reused. Anything else: nothing to do.
            [ -f "$log" ] && [ "$log" -nt "$memory" ] && [ "$(wc -l <"$log")" -le 1 ] || return 0
        else
            git rev-parse -q --verify "refs/codex/branches/$encoded" >/dev/null && return 0
        fi
        ;;
    post-commit)
        # Only merge commits (finished by hand after a conflict) fold a branch's memory back.
        git rev-parse -q --verify HEAD^2 >/dev/null || return 0
        ;;
    post-rewrite)
        [ -n "$stdin_copy" ] || return 0
        [ "$(git config --bool codex.enabled 2>/dev/null)" = true ] || return 0
        "$GITMEM_PYTHON" $GITMEM_FLAGS -m gitmem hook @HOOK@ "$@" <"$stdin_copy"
        return 0
        ;;
    esac
    [ "$(git config --bool codex.enabled 2>/dev/null)" = true ] || return 0
    "$GITMEM_PYTHON" $GITMEM_FLAGS -m gitmem hook @HOOK@ "$@" </dev/null
}
gitmem_part "$@" || true
[ -n "$stdin_copy" ] && rm -f "$stdin_copy"
exit $status

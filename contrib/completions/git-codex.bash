# bash completion for git-codex (gitmem). Generated: _GIT_CODEX_COMPLETE=bash_source git-codex
_git_codex_completion() {
    local IFS=$'\n'
    local response

    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD _GIT_CODEX_COMPLETE=bash_complete $1)

    for completion in $response; do
        IFS=',' read type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=($value)
        fi
    done

    return 0
}

_git_codex_completion_setup() {
    complete -o nosort -F _git_codex_completion git-codex
}

_git_codex_completion_setup;

# `git codex ...`: git's own bash completion calls _git_codex for the subcommand.
_git_codex() {
    local COMP_WORDS=(git-codex "${COMP_WORDS[@]:2}")
    local COMP_CWORD=$((COMP_CWORD - 1))
    _git_codex_completion git-codex
}

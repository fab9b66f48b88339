# gitmem through husky: run these lines at the top of the work tree (they append one line to
# each of husky's four hook scripts). The line calls the `git codex` on PATH and does
# nothing in a clone without gitmem.
for hook in post-checkout post-merge post-rewrite post-commit; do
  printf '%s\n' "command -v git-codex >/dev/null && git codex hook $hook \"\$@\" || true" >> ".husky/$hook"
done

# fish completion for git-codex (gitmem). Generated: _GIT_CODEX_COMPLETE=fish_source git-codex
function _git_codex_completion;
    set -l response (env _GIT_CODEX_COMPLETE=fish_complete COMP_WORDS=(commandline -cp) COMP_CWORD=(commandline -t) git-codex);

    for completion in $response;
        set -l metadata (string split "," $completion);

        if test $metadata[1] = "dir";
            __fish_complete_directories $metadata[2];
        else if test $metadata[1] = "file";
            __fish_complete_path $metadata[2];
        else if test $metadata[1] = "plain";
            echo $metadata[2];
        end;
    end;
end;

complete --no-files --command git-codex --arguments "(_git_codex_completion)";

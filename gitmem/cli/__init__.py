"""The command line: click commands, the entry point (kept answer or click), output and exit codes."""

"""Allow ``python -m gitmem``."""

from gitmem.entry import main_exit

main_exit()

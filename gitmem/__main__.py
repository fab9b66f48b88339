"""Allow ``python -m gitmem``."""


from gitmem.main import main_exit

main_exit()

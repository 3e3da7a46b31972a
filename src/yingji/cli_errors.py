"""The command line's one user-facing error (its own module, so that every subcommand module
raises the class `yingji.cli.main` catches, also when run as ``python -m yingji.cli``)."""


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""

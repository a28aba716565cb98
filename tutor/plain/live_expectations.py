"""What each demo-block expectation means, checked against the model (``pack check --live``).

One evaluator per ``expect_*`` key (``EVALUATORS``): each returns None when the expectation
holds, else a sentence saying what the model gave instead. How a block is fed to the model:

- ``prompting`` and ``rlhf`` demos, and ``generation`` demos with a ``system`` prompt, are chat
  demos: the prompt is the user's message (after the block's ``system`` message, if any),
  rendered with the model's chat template, as ``llm-tutor generate --chat`` does;
- every other kind is a plain continuation of the prompt text.

``expect_tokens`` and ``expect_split`` look at the prompt's own tokens (no BOS or other special
tokens added); ``expect_closer`` compares the embeddings of the block's first item and the two
texts; ``expect_attends`` reads the attention row of one token in the block's layer and head.
Decoding is greedy unless the block sets both a temperature and a seed, so a check gives the
same answer every run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from tutor.core.demo import DemoSpec
from tutor.explain.embeddings import cosine_matrix
from tutor.runtime.client import ModelClient, PromptArg
from tutor.runtime.types import GenerationSettings, NextTokenDistribution

CHAT_KINDS = frozenset({"prompting", "rlhf"})
# Extra tokens generated beyond the expected text's own length, so a slightly different
# tokenization of the same text still fits.
TEXT_SLACK_TOKENS = 8
SHOWN_CANDIDATES = 5


# --- what the model is given -------------------------------------------------------------------


def model_input(spec: DemoSpec) -> PromptArg:
    """The prompt as the model sees it: chat messages for chat demos, else the plain text."""
    if spec.kind not in CHAT_KINDS and not (spec.kind == "generation" and spec.system):
        return spec.prompt
    messages = [{"role": "system", "content": spec.system}] if spec.system else []
    return [*messages, {"role": "user", "content": spec.prompt}]


def _distribution(spec: DemoSpec, client: ModelClient) -> NextTokenDistribution:
    """The next-token distribution after the block's input (top list long enough to show)."""
    return client.next_token(model_input(spec), top_n=max(spec.expect_top_n, SHOWN_CANDIDATES))


def _single_id(client: ModelClient, text: str) -> int | None:
    """The id of ``text`` when it is exactly one token, else None.

    SentencePiece tokenizers put a space in front of the text they are given, so " cat" may
    come back as " " + " cat"; then "cat" alone is tried, which they turn into " cat"."""
    pieces = client.tokenize(text, add_special=False)
    if len(pieces) == 1:
        return pieces[0].id
    if text.startswith(" "):
        bare = client.tokenize(text[1:], add_special=False)
        if len(bare) == 1 and bare[0].text == text:
            return bare[0].id
    return None


def _rank_and_prob(
    dist: NextTokenDistribution, client: ModelClient, text: str
) -> tuple[int, float] | None:
    """Where ``text`` ranks (1 = most likely) and its probability; None if not one token."""
    token_id = _single_id(client, text)
    if token_id is None:
        return None
    probs = dist.probs()  # (n_vocab,) at temperature 1
    p = float(probs[token_id])
    return int(np.sum(probs > p)) + 1, p


def _top_texts(dist: NextTokenDistribution, n: int) -> list[str]:
    """The piece texts of the n most likely next tokens, best first."""
    return [candidate.token.text for candidate in dist.top[:n]]


def _shown_top(dist: NextTokenDistribution, n: int) -> str:
    """E.g. '" cat" 0.073, " moon" 0.059' for a failure message."""
    return ", ".join(f"{c.token.text!r} {c.prob:.3f}" for c in dist.top[: max(1, n)])


def _not_one_token(client: ModelClient, text: str) -> str:
    """Why a text cannot be looked up as a next token."""
    pieces = [piece.text for piece in client.tokenize(text, add_special=False)]
    return f"{text!r} is not a single token (it splits into {pieces!r})"


# --- the evaluators: each returns None when the expectation holds, else what went wrong ---------


def eval_top(spec: DemoSpec, client: ModelClient) -> str | None:
    """Each listed token is among the top ``expect_top_n`` next tokens."""
    dist = _distribution(spec, client)
    n = spec.expect_top_n
    top = _top_texts(dist, n)
    missing = []
    for text in spec.expect_top:
        if text in top:
            continue
        found = _rank_and_prob(dist, client, text)
        where = _not_one_token(client, text) if found is None else _ranked(text, *found)
        missing.append(where)
    if not missing:
        return None
    return (
        f"expect_top: not in the top {n}: {'; '.join(missing)}; the top {n}: {_shown_top(dist, n)}"
    )


def eval_not_top(spec: DemoSpec, client: ModelClient) -> str | None:
    """No listed token is among the top ``expect_top_n`` next tokens."""
    dist = _distribution(spec, client)
    n = spec.expect_top_n
    top = _top_texts(dist, n)
    present = [
        f"{text!r} (rank {top.index(text) + 1})" for text in spec.expect_not_top if text in top
    ]
    if not present:
        return None
    return (
        f"expect_not_top: in the top {n} after all: {', '.join(present)}; "
        f"the top {n}: {_shown_top(dist, n)}"
    )


def eval_prob_above(spec: DemoSpec, client: ModelClient) -> str | None:
    """Each listed token's probability (softmax at temperature 1) is above its threshold."""
    return _prob_bounds(spec, client, "expect_prob_above", spec.expect_prob_above, above=True)


def eval_prob_below(spec: DemoSpec, client: ModelClient) -> str | None:
    """Each listed token's probability (softmax at temperature 1) is below its threshold."""
    return _prob_bounds(spec, client, "expect_prob_below", spec.expect_prob_below, above=False)


def _prob_bounds(
    spec: DemoSpec, client: ModelClient, field: str, bounds: Mapping[str, float], *, above: bool
) -> str | None:
    """Each token of ``bounds`` strictly above (or below) its threshold; else what it had."""
    dist = _distribution(spec, client)
    wrong = []
    for text, threshold in bounds.items():
        found = _rank_and_prob(dist, client, text)
        if found is None:
            wrong.append(_not_one_token(client, text))
        elif (found[1] <= threshold) if above else (found[1] >= threshold):
            side = "above" if above else "below"
            wrong.append(f"{text!r} has p = {found[1]:.3f}, not {side} {threshold:g}")
    if not wrong:
        return None
    return f"{field}: {'; '.join(wrong)}; the top: {_shown_top(dist, SHOWN_CANDIDATES)}"


def eval_tokens(spec: DemoSpec, client: ModelClient) -> str | None:
    """The prompt is exactly ``expect_tokens`` tokens long (no special tokens added)."""
    pieces = [piece.text for piece in client.tokenize(spec.prompt, add_special=False)]
    if len(pieces) == spec.expect_tokens:
        return None
    return (
        f"expect_tokens: the prompt is {len(pieces)} tokens, not {spec.expect_tokens}: {pieces!r}"
    )


def eval_split(spec: DemoSpec, client: ModelClient) -> str | None:
    """The listed pieces occur one after another in the prompt's tokens."""
    pieces = [piece.text for piece in client.tokenize(spec.prompt, add_special=False)]
    want = list(spec.expect_split)
    if contains_run(pieces, want):
        return None
    return f"expect_split: {want!r} is not a run of the prompt's tokens: {pieces!r}"


def contains_run(pieces: Sequence[str], run: Sequence[str]) -> bool:
    """Whether ``run`` appears in ``pieces`` as consecutive items."""
    n = len(run)
    return any(list(pieces[i : i + n]) == list(run) for i in range(len(pieces) - n + 1))


def embedding_items(spec: DemoSpec) -> list[str]:
    """The texts an embeddings demo compares: ``items``, else the prompt's comma-separated
    words (as the embeddings instrument and ``llm-tutor embed`` read the block)."""
    return list(spec.items) or [word.strip() for word in spec.prompt.split(",") if word.strip()]


def eval_closer(spec: DemoSpec, client: ModelClient) -> str | None:
    """The block's first item is closer (cosine) to the first text than to the second.

    The vectors are the embeddings instrument's: the items and the pair are embedded together
    with the runtime's automatic representation (input embeddings when every text is one token,
    else centred middle-layer states; tutor/explain/embeddings.py)."""
    near, far = spec.expect_closer
    items = embedding_items(spec)
    if not items:
        return "expect_closer: the block has no items (and no prompt) to compare"
    texts = list(dict.fromkeys([*items, near, far]))
    found = client.embeddings(texts)
    similarity = cosine_matrix(found.vectors)  # (N, N)
    to_near = float(similarity[0, texts.index(near)])
    to_far = float(similarity[0, texts.index(far)])
    if to_near > to_far:
        return None
    return (
        f"expect_closer: {items[0]!r} is not closer to {near!r} (cosine {to_near:.3f}) "
        f"than to {far!r} (cosine {to_far:.3f}; {found.representation})"
    )


def eval_text(spec: DemoSpec, client: ModelClient) -> str | None:
    """The reproducible continuation starts with ``expect_text`` (leading whitespace ignored)."""
    settings = text_settings(spec, client)
    if isinstance(settings, str):
        return settings
    with client.generate(model_input(spec), settings) as generation:
        for _token in generation:
            pass
    result = generation.result
    text = result.text if result is not None else ""
    expected = spec.expect_text or ""
    if text.lstrip().startswith(expected.lstrip()):
        return None
    shown = text[: len(expected) + 40]
    return f"expect_text: the model wrote {shown!r}, which does not start with {expected!r}"


def eval_attends(spec: DemoSpec, client: ModelClient) -> str | None:
    """In the block's layer and head, the query token's row gives the key token its largest
    weight (the query is the last token with that text; the key any earlier one)."""
    query, key = spec.expect_attends
    maps = client.attention(model_input(spec))
    texts = [piece.text for piece in maps.tokens]
    layers, heads = maps.weights.shape[:2]
    layer, head = spec.layer or 0, spec.head or 0
    if layer >= layers or head >= heads:
        return (
            f"expect_attends: the model has {layers} layers of {heads} heads, no L{layer} H{head}"
        )
    if query not in texts:
        return f"expect_attends: {query!r} is not one of the prompt's tokens: {texts!r}"
    q = len(texts) - 1 - texts[::-1].index(query)
    row = maps.weights[layer, head, q, : q + 1]  # (q + 1,) the query's weights on keys 0..q
    best = int(np.argmax(row))
    if texts[best] == key:
        return None
    shown = ", ".join(f"{texts[i]!r} {row[i]:.2f}" for i in np.argsort(-row)[:3])
    return (
        f"expect_attends: in layer {layer} head {head}, {query!r} attends most to "
        f"{texts[best]!r}, not {key!r}: {shown}"
    )


def text_settings(spec: DemoSpec, client: ModelClient) -> GenerationSettings | str:
    """Settings that make the continuation reproducible: greedy, or the block's temperature
    with its seed; a message instead when the block samples without a seed."""
    temperature = spec.temperature or 0.0
    if temperature > 0 and spec.seed is None:
        return (
            "expect_text: the block samples (temperature > 0) without a seed, "
            "so no text is reproducible"
        )
    needed = len(client.tokenize(spec.expect_text or "", add_special=False)) + TEXT_SLACK_TOKENS
    defaults = GenerationSettings()
    return GenerationSettings(
        temperature=temperature,
        top_k=defaults.top_k if spec.top_k is None else spec.top_k,
        top_p=defaults.top_p if spec.top_p is None else spec.top_p,
        min_p=defaults.min_p if spec.min_p is None else spec.min_p,
        repeat_penalty=defaults.repeat_penalty
        if spec.repeat_penalty is None
        else spec.repeat_penalty,
        seed=spec.seed if spec.seed is not None else 0,
        max_tokens=max(needed, spec.max_tokens or 0),
    )


def _ranked(text: str, rank: int, p: float) -> str:
    return f"{text!r} is rank {rank} (p = {p:.3f})"


EVALUATORS: dict[str, Callable[[DemoSpec, ModelClient], str | None]] = {
    "expect_top": eval_top,
    "expect_not_top": eval_not_top,
    "expect_prob_above": eval_prob_above,
    "expect_prob_below": eval_prob_below,
    "expect_tokens": eval_tokens,
    "expect_split": eval_split,
    "expect_closer": eval_closer,
    "expect_text": eval_text,
    "expect_attends": eval_attends,
}

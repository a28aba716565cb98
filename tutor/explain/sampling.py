"""From logits to the next token: softmax, entropy and llama.cpp's sampler chain, in numpy.

A language model's last layer gives one number per vocabulary entry, the *logit*. Softmax turns
logits into probabilities; a *sampler chain* then reshapes that distribution before one token is
drawn from it. This module is the chain the tutor's model worker really uses, so what the lab
draws is exactly what decided the text.

Sources, in the order the chain applies them (llama.cpp ``src/llama-sampling.cpp``; the chain
llama-cpp-python builds in ``Llama._init_sampler``):

1. ``llama_sampler_init_penalties``: the repetition penalty of CTRL (Keskar et al. 2019,
   "CTRL: A Conditional Transformer Language Model for Controllable Generation", section 4.1),
   applied to the raw logits of recently seen tokens.
2. ``llama_sampler_init_top_k``: keep the k most likely tokens (Fan et al. 2018).
3. ``llama_sampler_init_top_p``: nucleus sampling (Holtzman et al. 2019, "The Curious Case of
   Neural Text Degeneration"): keep the smallest set of best tokens whose probability reaches p.
4. ``llama_sampler_init_min_p``: min-p sampling (Nguyen et al. 2024, "Turning Up the Heat:
   Min-p Sampling for Creative and Coherent LLM Outputs"): drop tokens less likely than
   p times the most likely one.
5. ``llama_sampler_init_temp``: divide the surviving logits by the temperature.
6. ``llama_sampler_init_dist``: draw one token from what is left (here :func:`draw`).

Where llama.cpp's details differ from the papers, this follows llama.cpp (checked by
``tests/explain/test_reference_llama.py`` against llama.cpp's own samplers):

- the penalty divides a positive logit and multiplies a negative one (CTRL divides always);
- top-p, min-p and top-k all run on the *temperature-1* distribution; temperature comes last;
- min-p compares logits, ``logit >= max_logit + log(p)``, which is ``prob >= p * max_prob``;
- ``min_keep`` (llama-cpp-python passes 1) is a floor on how many tokens top-p and min-p keep;
- temperature 0 keeps only the single best token (llama.cpp's ``temp`` stage sets the others
  to minus infinity); llama-cpp-python then uses its greedy sampler, which picks the same token.

Left out: frequency and presence penalties (always 0 here), typical-p, mirostat, XTC, DRY and
grammars. Ties between equal logits may be ordered differently from llama.cpp.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# -- softmax and friends -------------------------------------------------------------------------


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities from logits: ``exp(logit / T)``, normalised to sum to 1 (float64).

    Temperature 0 is the limit of ever smaller temperatures: all the probability on the best
    token (the first one if several tie).
    """
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    z = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        # The limit T -> 0: a one-hot vector on the argmax.
        out = np.zeros_like(z)
        out[int(np.argmax(z))] = 1.0
        return out
    z = z - z.max()  # exp of a large logit overflows; shifting all logits changes nothing
    z = z / temperature  # a higher T flattens the distribution, a lower T sharpens it
    e = np.exp(z)  # (n_vocab,) unnormalised probabilities, the largest exactly 1
    return e / e.sum()


def logsumexp(logits: np.ndarray) -> float:
    """``log(sum(exp(logits)))`` without overflow: the log of softmax's denominator.

    The exponentials are taken in the logits' own precision (float32 for a model) and summed in
    float64: fast enough to run once per generated token over a 49k vocabulary.
    """
    z = np.asarray(logits)
    m = z.max()  # shift by the largest logit so exp never overflows
    return float(m) + float(np.log(np.exp(z - m).sum(dtype=np.float64)))


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities ``logit - logsumexp(logits)`` (float64): exact where softmax underflows."""
    z = np.asarray(logits, dtype=np.float64)
    return z - logsumexp(z)


def entropy_bits(probs: np.ndarray) -> float:
    """Shannon entropy in bits: how many yes/no questions the next token is worth on average.

    0 when one token is certain; log2(n) when n tokens are equally likely.
    """
    p = np.asarray(probs, dtype=np.float64)
    p = p[p > 0]  # 0 * log 0 counts as 0
    return float(-(p * np.log2(p)).sum())


# -- the stages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """What one sampler stage left: the surviving tokens, best first, and what it removed.

    ``probs`` are renormalised over the survivors (they sum to 1); ``logits`` are the survivors'
    logits after this stage (penalised, or divided by the temperature). ``removed`` lists the
    ids this stage dropped, best first (in no particular order when :func:`top_k_stage` was given
    raw logits: the worker's fast path, which never sorts the whole vocabulary).
    """

    name: str  # "penalty", "top-k", "top-p", "min-p" or "temperature"
    ids: np.ndarray  # (n_kept,) int64 token ids, best first
    probs: np.ndarray  # (n_kept,) float64, sums to 1
    removed: np.ndarray  # (n_removed,) int64 token ids
    logits: np.ndarray  # (n_kept,) the survivors' logits, same order as ids

    @property
    def entropy_bits(self) -> float:
        """Entropy of the survivors' distribution, in bits."""
        return entropy_bits(self.probs)

    def prob_of(self, token: int) -> float:
        """The probability this stage gives ``token`` (0 if it is not among the survivors)."""
        where = np.flatnonzero(self.ids == token)
        return float(self.probs[where[0]]) if where.size else 0.0


_NO_IDS = np.empty(0, dtype=np.int64)


def _sorted_stage(name: str, logits: np.ndarray) -> Stage:
    """Every token of ``logits`` as a stage: all survive, sorted best first."""
    ids = _ids(np.argsort(-logits))  # (n_vocab,) one full sort, about 1 ms for 49k
    kept = logits[ids]  # (n_vocab,) best first
    return Stage(name, ids, softmax(kept), _NO_IDS, kept)


def _keep_prefix(name: str, prev: Stage, n: int) -> Stage:
    """The first ``n`` survivors of ``prev`` (they are best first), renormalised."""
    probs = prev.probs[:n]
    return Stage(name, prev.ids[:n], probs / probs.sum(), prev.ids[n:], prev.logits[:n])


def penalize(logits: np.ndarray, history: Sequence[int], penalty: float) -> np.ndarray:
    """The repetition penalty on raw logits: every token in ``history`` becomes less likely.

    Returns ``logits`` itself when there is nothing to do, else a penalised copy.
    """
    if penalty == 1.0 or len(history) == 0:
        return logits
    out = np.array(logits, copy=True)
    seen = np.unique(np.asarray(history, dtype=np.int64))  # each seen token counts once
    vals = out[seen]
    # Positive logits shrink towards 0, negative ones grow more negative: with penalty > 1 both
    # make the token less likely (llama.cpp: `logit <= 0 ? logit * r : logit / r`).
    out[seen] = np.where(vals > 0, vals / penalty, vals * penalty)
    return out


def penalty_stage(
    logits: np.ndarray, history: Sequence[int] = (), penalty: float = 1.0, *, last_n: int = 64
) -> Stage:
    """Stage 1: penalise the last ``last_n`` tokens of ``history``; every token survives.

    llama.cpp keeps the last ``penalty_last_n`` accepted tokens in a ring buffer; 0 turns the
    penalty off.
    """
    recent = list(history)[-last_n:] if last_n > 0 else []  # only the recent past counts
    return _sorted_stage("penalty", penalize(np.asarray(logits), recent, penalty))


def top_k_stage(prev: Stage | np.ndarray, k: int) -> Stage:
    """Stage 2: keep the ``k`` most likely tokens (``k <= 0`` keeps all).

    ``prev`` is the previous stage, or raw (penalised) logits: then the top k are found with
    ``argpartition`` in O(vocab), without sorting the whole vocabulary (the per-token path).
    """
    if isinstance(prev, Stage):
        n = prev.ids.shape[0]
        return _keep_prefix("top-k", prev, k if 0 < k < n else n)  # survivors are best first
    logits = np.asarray(prev)
    n = logits.shape[0]
    if not 0 < k < n:
        return _sorted_stage("top-k", logits)  # nothing removed
    part = np.argpartition(logits, n - k)  # (n_vocab,) the k largest last, in no order
    top = part[n - k :]
    top = top[np.argsort(-logits[top])]  # (k,) sort just the survivors, best first
    kept = logits[top]
    return Stage("top-k", _ids(top), softmax(kept), _ids(part[: n - k]), kept)


def _ids(ids: np.ndarray) -> np.ndarray:
    """Token ids as int64 (no copy when they already are)."""
    return ids.astype(np.int64, copy=False)


def top_p_stage(prev: Stage, p: float, *, min_keep: int = 1) -> Stage:
    """Stage 3: nucleus sampling: the smallest best-first prefix whose probability is >= ``p``.

    ``p >= 1`` keeps all. At least ``min_keep`` tokens stay.
    """
    n = prev.ids.shape[0]
    if p >= 1.0 or n == 0:
        return _keep_prefix("top-p", prev, n)
    cumulative = np.cumsum(prev.probs)  # (n_kept,) mass of the best 1, 2, 3... tokens
    # The first position where the running mass reaches p is the last token kept.
    keep = int(np.searchsorted(cumulative, p, side="left")) + 1
    keep = min(max(keep, min_keep), n)  # rounding can leave the total a hair under p
    return _keep_prefix("top-p", prev, keep)


def min_p_stage(prev: Stage, p: float, *, min_keep: int = 1) -> Stage:
    """Stage 4: drop tokens whose probability is below ``p`` times the best token's.

    Compared as logits, as llama.cpp does: ``prob_i / prob_best = exp(logit_i - logit_best)``,
    so the test is ``logit_i >= logit_best + log(p)``. ``p <= 0`` keeps all.
    """
    n = prev.ids.shape[0]
    if p <= 0.0 or n == 0:
        return _keep_prefix("min-p", prev, n)
    threshold = prev.logits[0] + np.float32(math.log(p))  # the best logit is first
    # Survivors are best first, so the tokens passing the test are a prefix.
    keep = int(np.count_nonzero(prev.logits >= threshold))
    return _keep_prefix("min-p", prev, min(max(keep, min_keep), n))


def temperature_stage(prev: Stage, temperature: float) -> Stage:
    """Stage 5: divide the survivors' logits by the temperature and renormalise.

    Below 1 sharpens (the best token gains), above 1 flattens. 0 keeps only the best token.
    """
    if temperature <= 0:
        # llama.cpp sets every logit but the largest to -inf: only the best token survives.
        return _keep_prefix("temperature", prev, min(1, prev.ids.shape[0]))
    with np.errstate(
        over="ignore", divide="ignore", invalid="ignore"
    ):  # a tiny T sends logits to infinity
        scaled = prev.logits / np.float32(temperature)  # llama.cpp divides in float32
    # softmax shifts by the best logit before dividing, so a tiny T stays finite.
    return Stage("temperature", prev.ids, softmax(prev.logits, temperature), _NO_IDS, scaled)


def sampler_chain(
    logits: np.ndarray,
    *,
    temperature: float = 0.8,
    top_k: int = 40,
    top_p: float = 0.95,
    min_p: float = 0.05,
    repeat_penalty: float = 1.0,
    history: Sequence[int] = (),
    last_n: int = 64,
) -> list[Stage]:
    """Every stage of llama.cpp's chain over ``logits`` (n_vocab,), in its order.

    Always five stages (a setting that is off gives a stage that removed nothing): penalty,
    top-k, top-p, min-p, temperature. The last stage is the distribution a token is drawn from.
    The defaults are llama-cpp-python's (and the tutor's).
    """
    penalised = penalty_stage(logits, history, repeat_penalty, last_n=last_n)
    after_k = top_k_stage(penalised, top_k)
    after_p = top_p_stage(after_k, top_p)
    after_min_p = min_p_stage(after_p, min_p)
    return [penalised, after_k, after_p, after_min_p, temperature_stage(after_min_p, temperature)]


def draw(stage: Stage, rng: np.random.Generator) -> int:
    """Stage 6: pick one surviving token at random, with the stage's probabilities.

    Returns the token id. The same seed gives the same draws (llama.cpp's ``dist`` uses its own
    random generator, so the draws themselves differ from llama.cpp's).
    """
    choice = int(rng.choice(stage.ids.shape[0], p=stage.probs))  # an index into the survivors
    return int(stage.ids[choice])

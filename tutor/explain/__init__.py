"""The maths a learner can read: numpy only (no Textual, no llama_cpp, no tutor.runtime).

:mod:`tutor.explain.sampling` turns logits into probabilities and runs llama.cpp's sampler
chain; the model worker samples with these same functions.
"""

from __future__ import annotations

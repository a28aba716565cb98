"""The maths a learner reads: numpy only (no Textual, no llama_cpp, no tutor.runtime)."""

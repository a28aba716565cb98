"""Rendering chat messages into a prompt with the model's own chat template.

The template is the Jinja text stored in the GGUF metadata (``tokenizer.chat_template``), rendered
the way Hugging Face ``apply_chat_template`` and llama-cpp-python's ``Jinja2ChatFormatter`` do: a
sandboxed environment with trim_blocks/lstrip_blocks and a ``raise_exception`` helper.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from tutor.runtime.errors import ChatTemplateError


def _raise_exception(message: str) -> None:
    """Templates call this to reject a conversation (e.g. roles out of order)."""
    raise ChatTemplateError(f"the chat template rejected the messages: {message}")


def _tojson(value: Any, indent: int | None = None) -> str:
    """HF-compatible ``tojson`` filter (keeps non-ASCII characters as they are)."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


def render_chat(
    template: str | None,
    messages: Sequence[Mapping[str, str]],
    *,
    bos_token: str = "",
    eos_token: str = "",
    add_generation_prompt: bool = True,
) -> str:
    """The prompt text for ``messages``, or ChatTemplateError with a readable reason."""
    if not template:
        raise ChatTemplateError("this model has no chat template; use a plain prompt instead")
    _check_messages(messages)
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    try:
        return env.from_string(template).render(
            messages=[dict(m) for m in messages],
            bos_token=bos_token,
            eos_token=eos_token,
            add_generation_prompt=add_generation_prompt,
        )
    except ChatTemplateError:
        raise
    except (TemplateError, TypeError, ValueError, KeyError, AttributeError) as err:
        raise ChatTemplateError(f"the model's chat template failed to render: {err}") from err


def _check_messages(messages: Sequence[Mapping[str, str]]) -> None:
    """Reject malformed messages before the template sees them."""
    if not messages:
        raise ChatTemplateError("a chat needs at least one message")
    for i, m in enumerate(messages):
        if not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
            raise ChatTemplateError(f"message {i} needs a string 'role' and 'content'")

"""The operation table is the one list of what the worker answers: every op has a handler, and
the worker refuses names and argument types the table does not declare."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.runtime import ops
from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.protocol import Request, WorkerConfig
from tutor.runtime.worker import HANDLERS, CancelFlag, Server


def test_every_operation_has_exactly_one_handler() -> None:
    served_by_the_server = {ops.LOAD.name, ops.SHUTDOWN.name}
    assert set(HANDLERS) == {op.name for op in ops.ALL} - served_by_the_server
    assert len(ops.BY_NAME) == len(ops.ALL)  # no name declared twice


def _server() -> Server:
    config = WorkerConfig(model_path=Path("/nowhere.gguf"), log_path=Path("/dev/null"))
    return Server(None, CancelFlag(None), config, None)  # type: ignore[arg-type]


def test_an_unknown_operation_is_refused() -> None:
    with pytest.raises(ModelRuntimeError, match="unknown operation 'nope'"):
        _server()._dispatch(Request(1, "nope", ops.NoArgs()), lambda _item: None)


def test_arguments_of_the_wrong_type_are_refused() -> None:
    request = Request(1, ops.TOKENIZE.name, {"text": "a"})  # the old untyped dict
    with pytest.raises(ModelRuntimeError, match="bad arguments for 'tokenize'"):
        _server()._dispatch(request, lambda _item: None)

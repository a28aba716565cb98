"""The real client and the tests' fakes satisfy the client protocols the UI is typed against.

mypy checks the annotated assignments below (pyproject.toml lists this file and the fakes);
the runtime checks catch a method removed from one side without a type checker."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import FakeModelClient
from tests.lab.inside_fake import InsideFakeClient
from tutor.runtime.api import GenerationProtocol, InsideClientProtocol, ModelClientProtocol
from tutor.runtime.client import ModelClient


def test_the_fake_clients_satisfy_the_protocols() -> None:
    fake: ModelClientProtocol = FakeModelClient()
    inside: InsideClientProtocol = InsideFakeClient()
    assert isinstance(fake, ModelClientProtocol) and not isinstance(fake, InsideClientProtocol)
    assert isinstance(inside, InsideClientProtocol)
    generation: GenerationProtocol = fake.generate("the cat", max_tokens=3)
    with generation:
        assert isinstance(generation, GenerationProtocol)
        assert len(list(generation)) == 3


def test_the_real_client_satisfies_the_protocols(tiny_model: Path) -> None:
    client: InsideClientProtocol = ModelClient(tiny_model, n_ctx=128, n_threads=1)
    assert isinstance(client, InsideClientProtocol) and not client.running  # not started
    with client.generate("the cat", temperature=0, max_tokens=2) as generation:
        assert isinstance(generation, GenerationProtocol)
        assert len(list(generation)) == 2
    client.close()

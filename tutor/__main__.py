"""``python -m tutor`` is the same as the ``llm-tutor`` command."""

from tutor.cli import main

raise SystemExit(main())

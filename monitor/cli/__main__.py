"""``python -m monitor.cli``: the ``driftline`` command."""

from __future__ import annotations

from monitor.cli.main import main

raise SystemExit(main())

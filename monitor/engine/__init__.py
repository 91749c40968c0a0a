"""The engine: values in, values out. Never a session, a file watch or an HTTP call.

Baselines (``baseline``, their file ``baseline_file``, their performance part
``baseline_performance``), the comparison of a window with a baseline (``compare``) into a
typed ``report.DriftReport`` with ``quality`` findings, ``histogram``\\ s and ``impact``
ranking, window ``performance`` (realised and CBPE-estimated, typed in
``performance_report``), validation of live ``records`` (``ingest``), window arithmetic
(``windows``), reading data files (``io``) and plain-text rendering (``render``).
Imports ``monitor.stats``, numpy, pandas and pyarrow; nothing above.
"""

from __future__ import annotations

__all__: list[str] = []

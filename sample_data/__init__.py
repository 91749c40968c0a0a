"""The sample data, its generators, the demo model and the whole-loop demo of `make run`."""

__all__: list[str] = []

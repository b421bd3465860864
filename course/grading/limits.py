"""Resource limits for one notebook run (applied inside the sandbox by ``launch.py``)."""

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """Limits for one notebook run. Defaults are documented in the README (Grading section)."""
    memory_mb: int = 4096          # address space of the kernel and each process it starts
    cpu_seconds: int = 900         # CPU time of the kernel process
    processes: int = 256           # processes and threads the kernel may have at once
    file_size_mb: int = 256        # largest file the kernel may write
    cell_timeout: int = 120        # seconds per cell (nbgrader's Execute.timeout in this course)
    notebook_timeout: int = 900    # seconds for the whole notebook
    output_mb: float = 8.0         # outputs kept per notebook; the rest is dropped (and flagged)

    def to_json(self):
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text):
        return cls(**json.loads(text))

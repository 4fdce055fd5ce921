"""failearn: mine incident post-mortems so that a system can learn from its failures."""

from __future__ import annotations

__version__ = "0.1.0"

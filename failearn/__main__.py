"""Allow ``python -m failearn``."""

from __future__ import annotations

from failearn.cli import main

if __name__ == "__main__":
    main()

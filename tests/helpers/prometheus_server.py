"""A throwaway Prometheus server on loopback, backfilled with the samples' metric series.

CI (``.ci/run``) and the tests share this one piece of code:

    python tests/helpers/prometheus_server.py start --dir DIR [--port 19090]   # prints its URL
    python tests/helpers/prometheus_server.py stop --dir DIR

``start`` writes the series of ``sample-postmortems/metrics/`` (Prometheus
range-query responses) as OpenMetrics text, backfills a TSDB from it with
``promtool tsdb create-blocks-from openmetrics``, starts ``prometheus`` on
127.0.0.1 over that TSDB, waits until it is ready and prints its URL; ``stop``
ends that process (by the id ``start`` recorded).  Standard library only: CI runs
it before the test dependencies are installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "sample-postmortems" / "metrics"
BINARIES = ("prometheus", "promtool")


def missing() -> str | None:
    """Why a server cannot be started here, or None."""
    absent = [b for b in BINARIES if shutil.which(b) is None]
    return (
        f"{' and '.join(absent)} not installed (Debian: apt-get install prometheus)"
        if absent
        else None
    )


def openmetrics(source: Path = SAMPLES) -> str:
    """The Prometheus responses under ``source`` as one OpenMetrics exposition."""
    families: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for path in sorted(source.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("data", {}).get("resultType") != "matrix":
            continue
        for series in document["data"]["result"]:
            labels = dict(series["metric"])
            name = labels.pop("__name__")
            key = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            families.setdefault(name, {}).setdefault(key, []).extend(
                (int(t), v) for t, v in series["values"]
            )
    lines: list[str] = []
    for name, by_labels in sorted(families.items()):
        lines.append(f"# TYPE {name} gauge")
        for key, points in sorted(by_labels.items()):
            lines.extend(f"{name}{{{key}}} {value} {at}" for at, value in sorted(points))
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _ready(url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def start(directory: Path, port: int = 19090, timeout: float = 120.0) -> str:
    """Backfill a TSDB in ``directory`` and start a server on it; its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    exposition = directory / "samples.om"
    exposition.write_text(openmetrics(), encoding="utf-8")
    data = directory / "data"
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(exposition), str(data)],
        check=True,
        capture_output=True,
    )
    config = directory / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1h\n", encoding="utf-8")
    url = f"http://127.0.0.1:{port}"
    log = (directory / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=100y",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (directory / "pid").write_text(str(process.pid), encoding="utf-8")
    if not _ready(url, time.monotonic() + timeout):
        stop(directory)
        raise RuntimeError(
            f"prometheus did not become ready at {url}; see {directory / 'prometheus.log'}"
        )
    return url


def stop(directory: Path) -> None:
    """End the server ``start`` launched in ``directory`` (by its process id)."""
    pid_file = directory / "pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text(encoding="utf-8"))
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pid_file.unlink()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=19090)
    args = parser.parse_args(argv)
    if args.action == "start":
        print(start(args.dir, args.port))
    else:
        stop(args.dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

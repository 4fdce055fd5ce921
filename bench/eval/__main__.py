"""Command line of the evaluation harness (``python -m bench.eval``)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench.eval import catalog, stages, tables


def log(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def options(args: argparse.Namespace) -> stages.Options:
    return stages.Options(
        keep=args.keep, memory_cap_gb=args.memory_cap, baseline_limit=args.baseline_limit
    )


def common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directories (printed) for inspection"
    )
    parser.add_argument(
        "--memory-cap",
        type=float,
        default=stages.MEMORY_CAP_GB,
        metavar="GB",
        help="memory cap of each baseline process [%(default)s]",
    )
    parser.add_argument(
        "--baseline-limit",
        type=int,
        default=stages.BASELINE_LIMIT,
        metavar="N",
        help="baselines cluster a sample of at most N records [%(default)s]",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m bench.eval",
        description="Score failearn's learning stages beside plain baselines.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the corpora and the full run's plan")
    for stage in stages.STAGES:
        one = commands.add_parser(stage, help=f"the {stage} stage on one corpus")
        one.add_argument("--corpus", required=True, choices=sorted(catalog.CORPORA))
        one.add_argument("--size", type=int, help="records of a synthetic corpus [1000]")
        one.add_argument(
            "--save",
            action="store_true",
            help="also store the result and rewrite the tables in the docs",
        )
        common(one)
    full = commands.add_parser("all", help="every stage on every corpus; writes the tables")
    full.add_argument("--stages", nargs="+", default=list(stages.STAGES), choices=stages.STAGES)
    full.add_argument(
        "--corpora",
        nargs="+",
        default=sorted(catalog.CORPORA),
        choices=sorted(catalog.CORPORA),
        metavar="NAME",
    )
    full.add_argument("--sizes", nargs="+", type=int, default=list(catalog.SIZES))
    common(full)
    commands.add_parser("tables", help="rewrite the tables in the docs from the results file")
    return top


def record(results: list[dict[str, Any]]) -> None:
    merged = tables.merge(tables.load(), results)
    tables.save(merged)
    tables.write_docs(tables.render(merged))
    log(f"results in {tables.RESULTS}; tables in {tables.DOCS}")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "list":
        for corpus in catalog.CORPORA.values():
            print(f"{corpus.name:<14} {corpus.kind:<9} {corpus.description}")
        return 0
    if args.command == "tables":
        tables.write_docs(tables.render(tables.load()))
        return 0
    if args.command == "all":
        runs = catalog.plan(tuple(args.stages), tuple(args.corpora), tuple(args.sizes))
    else:
        corpus = catalog.CORPORA[args.corpus]
        size = (args.size or 1000) if corpus.kind == "synthetic" else None
        runs = [(corpus, size, (args.command,))]
    started = time.perf_counter()
    results = []
    for corpus, size, chosen in runs:
        log(f"{corpus.name}{f' at {size:,}' if size else ''}: {', '.join(chosen)}")
        measured = stages.evaluate(corpus, size, chosen, options(args), log)
        if args.command == "all" or args.save:
            record(measured)  # as it goes: an interrupted run keeps what it measured
        results.extend(measured)
    log(f"done in {time.perf_counter() - started:.0f} s")
    print(tables.render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

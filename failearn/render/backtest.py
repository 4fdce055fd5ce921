"""The text of ``failearn backtest``: one block per rule, its trigger and what it would have
done."""

from __future__ import annotations

from rich.console import Console

from failearn.commands.backtest import BacktestResult
from failearn.suggest.wording import minutes, trigger_clause


def render_backtest(result: BacktestResult, console: Console) -> None:
    console.print(
        f"failearn backtest as of {result.as_of[:10]}, since {result.since[:10]}: "
        f"{len(result.rules)} rule(s)",
        markup=False,
        highlight=False,
    )
    if result.stale:
        console.print(f"warning: {result.stale}", style="yellow", markup=False, highlight=False)
    if not result.rules:
        console.print(
            "no suggested, accepted or applied rule: name rules, or run `failearn report` first",
            markup=False,
        )
    for item in result.rules:
        view = item.rule
        console.print(
            f"\n{view.id} {view.service} {view.adaptation} ({view.status}, pattern "
            f"{view.pattern_id})",
            markup=False,
            highlight=False,
        )
        if view.trigger is not None and item.result is not None:
            console.print(
                f"  trigger: {trigger_clause(view.trigger, view.service)}".replace("`", ""),
                markup=False,
                highlight=False,
            )
            run = item.result
            lead = f", median {minutes(run.median_lead)} ahead" if run.caught else ""
            per_week = run.false_alarms_per_week
            alarms = (
                "no normal time in the span"
                if per_week is None
                else (
                    f"{per_week:.1f} false alarms a week ({run.false_alarms} in "
                    f"{run.normal_seconds / 604800:.1f} weeks of normal time)"
                )
            )
            console.print(
                f"  would have fired before {run.caught} of {run.incidents} "
                f"incidents{lead}; {alarms}",
                markup=False,
                highlight=False,
            )
        if item.note:
            console.print(f"  {item.note}", markup=False, highlight=False)
        if item.includes_learning and item.result is not None:
            console.print(
                f"  the span includes the data it was learned from (up to "
                f"{str(item.learned_at)[:10]}): use --since {str(item.learned_at)[:10]}"
                " for figures on data it never saw",
                markup=False,
                highlight=False,
            )

#!/usr/bin/env bash
# Step "Run failearn" of action.yml, as plain shell: the same commands run anywhere with the
# same environment variables (tests/test_action.py runs them so).
#   FAILEARN_ACTION_COMMAND  gate | weekly
#   FAILEARN_ACTION_PATHS    post-mortem folders and export files, separated by spaces
#   FAILEARN_ACTION_AS_OF    the day the weekly report is for (empty: today)
#   FAILEARN_ACTION_REPORT   where the weekly HTML report is written
#   GITHUB_STEP_SUMMARY, GITHUB_OUTPUT  set by the runner (files to append to)
# The database is FAILEARN_DB, else `db` in failearn.toml, else failearn.db at the root.
set -uo pipefail
read -r -a paths <<< "${FAILEARN_ACTION_PATHS:-.}"
as_of=()
if [ -n "${FAILEARN_ACTION_AS_OF:-}" ]; then as_of=(--as-of "$FAILEARN_ACTION_AS_OF"); fi
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
case "${FAILEARN_ACTION_COMMAND:-gate}" in
  gate)
    # Check only: annotations on the files, a job summary, nothing stored.
    failearn ingest "${paths[@]}" --dry-run --db :memory: --format github "${as_of[@]}"
    ;;
  weekly)
    # A rejected record must not stop the report: remember it, fail at the end.
    failearn ingest "${paths[@]}" --format github "${as_of[@]}"
    ingest=$?
    [ "$ingest" -le 1 ] || exit "$ingest"
    failearn cluster "${as_of[@]}" || exit $?
    audit=0
    failearn audit "${as_of[@]}" --fail-on-drift --format md >> "$summary" || audit=$?
    [ "$audit" -le 1 ] || exit "$audit"
    failearn report "${as_of[@]}" --format md >> "$summary" || exit $?
    report="${FAILEARN_ACTION_REPORT:-failearn-report.html}"
    failearn report "${as_of[@]}" --output "$report" || exit $?
    if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "report=$report" >> "$GITHUB_OUTPUT"; fi
    # Rejected records (1) or drift (1) fail the job once the report is out.
    exit $(( ingest > audit ? ingest : audit ))
    ;;
  *)
    echo "failearn action: command must be gate or weekly, not '$FAILEARN_ACTION_COMMAND'" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Step "Install failearn" of action.yml, as plain shell: the same command runs anywhere with
# the same environment variables (tests/test_action.py runs it so).
#   FAILEARN_ACTION_SOURCE   the failearn checkout to install from (the action's own)
#   FAILEARN_ACTION_INSTALL  full | gate | a pip requirement (e.g. "failearn==0.1.0")
set -euo pipefail
source="${FAILEARN_ACTION_SOURCE:?the failearn checkout to install}"
case "${FAILEARN_ACTION_INSTALL:-full}" in
  full) python -m pip install --quiet "$source" ;;
  # The gate reads, checks and (on a dry run) stores nothing: no analysis libraries.
  gate) python -m pip install --quiet --no-deps "$source" \
          && python -m pip install --quiet -r "$source/requirements-gate.txt" ;;
  *) python -m pip install --quiet "$FAILEARN_ACTION_INSTALL" ;;
esac
failearn --version

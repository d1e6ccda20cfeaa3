#!/usr/bin/env bash
# Reads an R CMD check log: prints its NOTEs, WARNINGs and ERRORs and the
# status line, and fails when there is any WARNING or ERROR.
set -euo pipefail
log="$1"
grep -E "\.\.\. (NOTE|WARNING|ERROR)$" "$log" || true
status="$(grep -E "^Status:" "$log" || echo "Status: unknown")"
echo "R CMD check: $status"
if grep -qE "^Status:.*(ERROR|WARNING)" "$log" || ! grep -q "^Status:" "$log"; then
  exit 1
fi

#!/usr/bin/env bash
# The long differential run against Go's encoding/pem and crypto/x509 (issue 12):
# crafted inputs plus MUTANTS (default 500,000) mutants from SEED (default 1),
# compared in batches; prints the figures and one example per disagreement class.
# Not run in CI (about 10 minutes on 2 cores). Usage: scripts/differential.sh [SEED] [MUTANTS]
# DIFF_EXAMPLES=0 prints the classes without examples.
# scripts/differential.sh show csr|cert BASE64: both readings of one input, as a failure prints it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/fixtures.sh" x509read >/dev/null
cd "$here/.."
if [ "${1:-}" = show ]; then TSX_TSCONFIG_PATH=bench/tsconfig.json exec node --import tsx scripts/differential.ts "$@"; fi
TSX_TSCONFIG_PATH=bench/tsconfig.json exec node --import tsx scripts/differential.ts "${1:-1}" "${2:-500000}"

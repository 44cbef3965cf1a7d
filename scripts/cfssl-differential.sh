#!/usr/bin/env bash
# The long randomized comparison with the real cfssl 1.6.5 (issue 13): COUNT (default 2,000)
# scenarios from SEED (default 1) — CSR JSON, ca-config profiles and commands run through
# cfssl (+ cfssljson) and the built k8s-pki — printing each difference and the figures.
# Usage: scripts/cfssl-differential.sh [SEED] [COUNT]      (CONCURRENCY=4 child scenarios at a time)
#        scripts/cfssl-differential.sh show SEED INDEX     (one scenario with both full outputs)
# Builds k8s-pki first unless NO_BUILD=1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/fixtures.sh" cfssl >/dev/null
cd "$here/.."
if [ "${NO_BUILD:-}" != 1 ]; then npm run -s build >/dev/null; fi
if [ "${1:-}" = show ]; then TSX_TSCONFIG_PATH=bench/tsconfig.json exec node --import tsx scripts/cfssl-differential.ts "$@"; fi
TSX_TSCONFIG_PATH=bench/tsconfig.json exec node --import tsx scripts/cfssl-differential.ts "${1:-1}" "${2:-2000}"

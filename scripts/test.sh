#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): system packages the tests
# use, the real binaries (built once into a cache), the TypeScript build, then
# vitest. Ends with a line "N passed, N failed". Extra args go to vitest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

t0=$(date +%s)
# Debian packages: openssl (chain checks), golang-cfssl 1.2.0 (an older cfssl peer),
# openssh-server (the deploy transport's tests).
missing=()
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/bin/cfssl ] || missing+=(golang-cfssl)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
# containerd (Debian's 1.6) and systemd-analyze: the deploy tests check rendered units against them.
[ -x /usr/bin/containerd ] || missing+=(containerd)
command -v systemd-analyze >/dev/null || missing+=(systemd)
# haproxy: the deploy tests check kube-lb's rendered config with it and run it in front of two listeners.
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
# sudo: apply over SSH as a user that is not root (`sudo -n`).
command -v sudo >/dev/null || missing+=(sudo)
# zsh: the completion tests load `k8s-pki completion zsh` into a real zsh.
command -v zsh >/dev/null || missing+=(zsh)
# busybox-static: the busybox test image (fixtures.sh, component images; it installs it too when root).
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  echo "[test] installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

scripts/fixtures.sh >/dev/null
# Node 22 and 24 from the npm registry, for the supported-runtimes smoke (test/cli/runtimes.test.ts). A failure does
# not stop the run: that test then fails with the script's message.
scripts/node-runtimes.sh >/dev/null || echo "[test] Node 22/24 not installed: test/cli/runtimes.test.ts will fail" >&2
npm run -s build

results=.vitest-results.json
rm -f "$results"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?

if [ -f "$results" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // A file that failed to load counts as a failure even with no test in it.
    const broken = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
    let failed = r.numFailedTests + broken;
    // vitest failed without a failing test (an unhandled error, a config error): that is a failure too.
    if (Number(process.argv[2]) !== 0 && failed === 0) failed = 1;
    console.log(`\n${r.numPassedTests} passed, ${failed} failed`);
  ' "$results" "$status"
else
  echo "0 passed, 1 failed"
  status=1
fi
echo "[test] total $(( $(date +%s) - t0 ))s" >&2
exit $status

#!/usr/bin/env bash
# Sets up everything on a fresh Debian bookworm machine (as root) and then runs
#   ./bootstrap.sh demo   the whole product on embedded defaults, with simulated callers
#   ./bootstrap.sh test   the whole test suite
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-demo}"; shift || true

export DEBIAN_FRONTEND=noninteractive
need=()
for pkg in mmdebstrap chromium fonts-noto-cjk python3-venv ffmpeg espeak-ng; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test]'

case "$mode" in
  demo) exec .venv/bin/callcenter demo "$@" ;;
  test) exec .venv/bin/python -m pytest "$@" ;;
  *) echo "usage: $0 demo|test [args]" >&2; exit 2 ;;
esac

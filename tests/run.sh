#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium and PostgreSQL), start a
# throwaway PostgreSQL server for the class dataset's tests (tests/postgres.sh), and run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update
  apt-get install -y chromium
fi
python -m pip install -r requirements-dev.txt
# Names imported and never used, or used and never defined: caught before anything runs.
python -m pyflakes streamlit_app.py pages ui mlcore benchmarks tests
source tests/postgres.sh
# pytest exits 5 when it collected no tests: that is a failure here too (set -e sees any non-zero).
status=0
python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "tests/run.sh: pytest collected no tests" >&2
fi
exit "$status"

#!/usr/bin/env bash
# Set up (see setup.sh --test) and run the whole test suite, lint included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -n 2 "$@"

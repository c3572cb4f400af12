#!/bin/sh
# The REST API suite against a live tofd (TOFD=build/tofd by default):
# routes and errors, auth and TLS, concurrency, restarts and kill -9, the
# OpenAPI contract, and the data-plane effect through tofd replay.
# Debian's interpreter on purpose: python3-yaml and python3-jsonschema.
set -u
cd "$(dirname "$0")/../.."
export TOFD="${TOFD:-build/tofd}"
exec /usr/bin/python3 -B tests/api/run_tests.py

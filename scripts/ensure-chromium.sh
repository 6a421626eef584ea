#!/usr/bin/env bash
# Installs Debian's chromium when it is missing: the web UI test (services/api/web_test.go)
# drives it headless and fails, saying so, without it. A no-op when chromium is on PATH.
exec "$(dirname "$0")/ensure-command.sh" chromium chromium "the web UI test drives it"

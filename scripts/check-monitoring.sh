#!/usr/bin/env bash
# Checks the monitoring files with the tools of their own ecosystem, for `make test`:
# Prometheus's config, recording rules and alerts (promtool check), the alerts' unit tests
# (promtool test rules, deploy/prometheus/alerts_test.yml) and Alertmanager's config (amtool).
# Installs Debian's prometheus and prometheus-alertmanager when promtool or amtool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-command.sh promtool prometheus "promtool checks and unit-tests the alerts"
./scripts/ensure-command.sh amtool prometheus-alertmanager "amtool checks the Alertmanager config"

promtool check config deploy/prometheus/prometheus.yml
promtool test rules deploy/prometheus/alerts_test.yml
amtool check-config deploy/alertmanager/alertmanager.yml

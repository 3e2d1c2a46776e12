#!/usr/bin/env bash
# make demo: what exists so far — the host, its connectors, the store.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
demo=$(mktemp -d /tmp/atsbridge-demo.XXXXXX)
A() { "$BUILD/atsbridge" --db "$demo/demo.db" --plugin-dir "$BUILD/plugins" "$@"; }
echo "atsbridge demo (store: $demo/demo.db)"
echo
"$BUILD/atsbridge" --version
echo
A plugins list
echo
A org add acme --name "Acme Manufacturing"
A org list

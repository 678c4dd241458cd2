#!/usr/bin/env bash
# Builds the OpenTelemetry Collector (bench/collector/builder.yaml) and telemetrygen from the Go module
# proxy into .tributary/. Idempotent: skips what is already built. Needs Go >= 1.24.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$root/.tributary/bin"
mkdir -p "$bin"
export GOBIN="$bin"
if [ ! -x "$bin/builder" ]; then
  echo "collector: installing the collector builder v0.155.0"
  go install go.opentelemetry.io/collector/cmd/builder@v0.155.0
fi
# The build is keyed on builder.yaml: a component added there rebuilds the cached binary once.
stamp="$root/.tributary/otelcol/builder.yaml.sha256"
want="$(sha256sum "$here/builder.yaml" | cut -d' ' -f1)"
if [ ! -x "$root/.tributary/otelcol/otelcol-bench" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "collector: building otelcol-bench (downloads modules and compiles; several minutes on 2 cores)"
  (cd "$here" && "$bin/builder" --config builder.yaml)
  echo "$want" >"$stamp"
fi
if [ ! -x "$bin/telemetrygen" ]; then
  echo "collector: installing telemetrygen v0.155.0"
  go install github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v0.155.0
fi
echo "collector: ready ($root/.tributary/otelcol/otelcol-bench, $bin/telemetrygen)"

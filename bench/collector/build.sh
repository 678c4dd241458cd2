#!/usr/bin/env bash
# Builds an OpenTelemetry Collector from a builder file (default bench/collector/builder.yaml) with the
# collector builder of the same version (read from its otlpreceiver line), into the builder file's
# output_path under .tributary/. The default build also installs telemetrygen. Idempotent: the binary is
# keyed on the builder file's hash and rebuilt once when it changes. Needs Go >= 1.24.
#
#   bench/collector/build.sh                                  # .tributary/otelcol/otelcol-bench
#   bench/collector/build.sh bench/collector/clickstack/builder.yaml   # .tributary/otelcol-clickstack/
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
config="$(realpath "${1:-$here/builder.yaml}")"
confdir="$(dirname "$config")"
bin="$root/.tributary/bin"
mkdir -p "$bin"
export GOBIN="$bin"
version="$(sed -n 's#.*go.opentelemetry.io/collector/receiver/otlpreceiver \(v[0-9.]*\).*#\1#p' "$config" | head -1)"
[ -n "$version" ] || { echo "collector: no otlpreceiver line in $config" >&2; exit 1; }
name="$(sed -n 's/^  name: *//p' "$config" | head -1)"
out="$(cd "$confdir" && realpath -m "$(sed -n 's/^  output_path: *//p' "$config" | head -1)")"
# The builder must match the core modules' version; each version is kept under its own name.
builder="$bin/builder-$version"
if [ ! -x "$builder" ]; then
  echo "collector: installing the collector builder $version"
  tmp="$(mktemp -d)"
  GOBIN="$tmp" go install "go.opentelemetry.io/collector/cmd/builder@$version"
  mv "$tmp/builder" "$builder"
  rmdir "$tmp"
fi
stamp="$out/$(basename "$config").sha256"
want="$(sha256sum "$config" | cut -d' ' -f1)"
if [ ! -x "$out/$name" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "collector: building $name (downloads modules and compiles; several minutes on 2 cores)"
  (cd "$confdir" && "$builder" --config "$config")
  echo "$want" >"$stamp"
fi
if [ "$config" = "$here/builder.yaml" ] && [ ! -x "$bin/telemetrygen" ]; then
  echo "collector: installing telemetrygen v0.155.0"
  go install github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v0.155.0
fi
echo "collector: ready ($out/$name)"

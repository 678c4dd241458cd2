#!/usr/bin/env bash
# Installs Rotel, the Rust OpenTelemetry collector, for the side-by-side benchmark: its PyPI wheel
# `rotel` carries the rotel-agent binary. pip downloads the pinned wheel into .tributary/rotel/wheels
# and the binary is unpacked to .tributary/rotel/rotel-agent. Idempotent: keyed on the pinned version
# (a stamp file), like the Collector build. Needs Python 3 with pip; the binary is x86_64 Linux
# (glibc >= 2.34), so on anything else this exits 1 and the bench runs without Rotel.
#
#   bench/rotel/install.sh          # .tributary/rotel/rotel-agent
set -euo pipefail
# The newest wheel on PyPI (2025-07). Its binary reports "0.0.1-alpha10" but carries the Kafka
# exporter (rotel v0.0.1-alpha20..25); it has no Kafka receiver (rotel added one later).
version=0.0.1a15
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/.tributary/rotel"
stamp="$out/version"
if [ -x "$out/rotel-agent" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "rotel: ready ($out/rotel-agent)"
  exit 0
fi
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "rotel: the wheel's binary is for Linux x86_64, this is $(uname -sm)" >&2
  exit 1
fi
python="$(command -v python3 || command -v python || true)"
[ -n "$python" ] || { echo "rotel: no python3 (its pip downloads the wheel)" >&2; exit 1; }
mkdir -p "$out/wheels"
echo "rotel: downloading the rotel $version wheel from PyPI"
# The wheels for every CPython version carry the same binary: take the cp311 one whatever Python
# runs pip, so the install does not depend on the local Python's version.
"$python" -m pip download --quiet --no-deps --only-binary=:all: --implementation cp \
  --python-version 3.11 --platform manylinux_2_34_x86_64 -d "$out/wheels" "rotel==$version"
wheel="$(ls "$out/wheels"/rotel-"$version"-*.whl | head -1)"
tmp="$(mktemp -d)"
"$python" -m zipfile -e "$wheel" "$tmp"
install -m 0755 "$tmp/rotel/rotel-agent" "$out/rotel-agent"
rm -rf "$tmp"
"$out/rotel-agent" --version >/dev/null
echo "$version" >"$stamp"
echo "rotel: ready ($out/rotel-agent)"

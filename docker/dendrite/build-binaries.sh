#!/bin/sh
# Dendrite's binaries, built with the Go toolchain from the Go module proxy.
# Usage: build-binaries.sh OUT_DIR   (then: docker build --build-arg BASE=... -f Dockerfile OUT_DIR)
# The module is github.com/matrix-org/dendrite (Apache-2.0). Its later home,
# github.com/element-hq/dendrite, is AGPL-licensed and must not be used here.
set -eu

MODULE=github.com/matrix-org/dendrite
VERSION=v0.13.8
COMMANDS="dendrite generate-keys create-account"

out=${1:?usage: build-binaries.sh OUT_DIR}
go=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$go" ] || { echo "Go is not installed (looked on PATH and at /usr/local/go/bin/go): install Go 1.22 or newer" >&2; exit 1; }

mkdir -p "$out"
targets=""
for command in $COMMANDS; do targets="$targets $MODULE/cmd/$command@$VERSION"; done
echo "==> go install$targets ($("$go" version))"
# CGO for SQLite (github.com/mattn/go-sqlite3): needs gcc. The binaries link glibc dynamically,
# so the base image's glibc must be at least the build machine's (Debian sid's is).
# shellcheck disable=SC2086 # the target list is meant to split
GOBIN=$(cd "$out" && pwd) CGO_ENABLED=1 GOFLAGS=-trimpath "$go" install $targets
echo "==> built $COMMANDS into $out"

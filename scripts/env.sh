# Sourced by scripts/test and scripts/demo: put the pinned toolchains first on PATH and keep
# the go command from downloading toolchains or modules (the module proxy is unreachable).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/.tools/bin:$here/.venv/bin:$PATH"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GONOSUMDB= GOTELEMETRY=off
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 UV_NO_PROGRESS=1

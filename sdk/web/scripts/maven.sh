#!/usr/bin/env bash
# Called by herald-server's Maven build (exec-maven-plugin) so that herald.jar serves the SDK it was built with.
#   maven.sh build OUT_DIR   install dependencies when needed, bundle herald.js and herald-sw.js into OUT_DIR
#   maven.sh test            Vitest unit tests and the TypeScript check
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "herald-server: building the web SDK (sdk/web) needs Node.js 20+ and npm on PATH, and none was found." >&2
    echo "               Install them (e.g. apt-get install nodejs npm) and build again." >&2
    exit 1
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if (( major < 20 )); then
    echo "herald-server: building the web SDK needs Node.js 20 or newer (Vitest and Vite ask for it); found $(node --version)" >&2
    exit 1
fi

case "${1:-}" in
    build)
        out="${2:?maven.sh build needs the output directory}"
        # Only when node_modules is missing or older than the lock, so an offline build works once it exists.
        # `npm install` rather than `npm ci`: the lock holds only the platform packages the registry serves here,
        # and npm ci refuses a lock without every platform's optional packages; install keeps the locked versions.
        if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
            npm install --no-audit --no-fund --loglevel=error
            touch node_modules
        fi
        HERALD_SDK_OUT="$out" npm run --silent build
        ;;
    test)
        npm test --silent
        npm run --silent typecheck
        ;;
    *)
        echo "usage: maven.sh build OUT_DIR | maven.sh test" >&2
        exit 2
        ;;
esac

#!/usr/bin/env bash
# Rebuild assets/00-plotly-<version>-custom.min.js, the partial plotly.js bundle that
# dcc.Graph uses instead of the full plotly.min.js (see tools/plotly-bundle/entry.js
# for the trace types). Needs node and npm (`apt-get install -y nodejs npm`) and the npm
# registry (Debian's node 20 works: npm only warns that plotly.js asks for node 22);
# installs the versions pinned in tools/plotly-bundle/package-lock.json
# into a temporary folder, so the repository gets only the bundle.
#
#   tools/build_plotly_bundle.sh            # build, replacing the old bundle
#   tools/build_plotly_bundle.sh --check    # build and fail if it differs from assets/
#
# To follow a new plotly.js (after bumping plotly in requirements.txt): set its version
# in tools/plotly-bundle/package.json, run `npm install --package-lock-only
# --ignore-scripts` in that folder, then this script.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$REPO/tools/plotly-bundle"
PY="${PY:-$REPO/.venv/bin/python}"
CHECK=no
[[ "${1:-}" == "--check" ]] && CHECK=yes

command -v npm > /dev/null || { echo "npm is missing: apt-get install -y nodejs npm" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$SRC/package.json" "$SRC/package-lock.json" "$SRC/entry.js" "$SRC/build.js" "$WORK/"
(cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

VERSION="$(cd "$WORK" && node -p "require('plotly.js/package.json').version")"
# Dash loads the plotly.js that the plotly Python package ships: keep the two equal.
if [[ -x "$PY" ]]; then
    WANTED="$("$PY" -c 'from plotly.offline import get_plotlyjs_version; print(get_plotlyjs_version())')"
    if [[ "$VERSION" != "$WANTED" ]]; then
        echo "plotly.js $VERSION in tools/plotly-bundle, but the plotly package ships $WANTED:" \
            "update tools/plotly-bundle/package.json and its lock file" >&2
        exit 1
    fi
fi

NAME="00-plotly-$VERSION-custom.min.js"
(cd "$WORK" && node build.js "$WORK/out/$NAME")

if [[ "$CHECK" == yes ]]; then
    if cmp -s "$WORK/out/$NAME" "$REPO/assets/$NAME"; then
        echo "assets/$NAME is up to date"
        exit 0
    fi
    echo "assets/$NAME differs from a fresh build: run tools/build_plotly_bundle.sh" >&2
    exit 1
fi

rm -f "$REPO"/assets/00-plotly-*-custom.min.js
cp "$WORK/out/$NAME" "$REPO/assets/$NAME"
RAW=$(wc -c < "$REPO/assets/$NAME")
GZ=$(gzip -9c "$REPO/assets/$NAME" | wc -c)
echo "assets/$NAME: $((RAW / 1024)) KB, $((GZ / 1024)) KB gzipped"

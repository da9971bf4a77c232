#!/bin/sh
# run.sh: the browser test of the HTML report, run by CTest (browser/report).
#
# usage: tests/browser/run.sh TIPHUB TRUTH_LINK ARTIFACT_DIR
#
# Builds a hub from synthetic data (tiphub synth -> import -> encode --db -> hub add,
# persons from the ground truth by the truth_link helper), writes the report in
# its three protections (suppression, differential privacy, exact), and opens each
# in headless Chromium (check-report.mjs): every chart renders with a non-zero box
# and visible text, no console error, nothing loaded from elsewhere. Screenshots go
# to ARTIFACT_DIR (report.png is the suppressed one; also report-dp.png,
# report-exact.png and report.pdf, the printed form).
#
# Exits 77 (CTest's SKIP_RETURN_CODE) when chromium or node is missing, and only
# then; scripts/install-deps installs both and the npm packages of this folder.
set -u
tiphub=$1
truth_link=$2
artifacts=$3
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium" ]; then
    echo "SKIP: no Chromium at $chromium (scripts/install-deps installs Debian's chromium)"
    exit 77
fi
if ! command -v node > /dev/null 2>&1; then
    echo "SKIP: no node (scripts/install-deps installs Debian's nodejs)"
    exit 77
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
    echo "FAIL: $here/node_modules has no playwright-core: run scripts/install-deps" \
         "(it runs npm ci there)"
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tiphub-browser.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts" "$work/ag" || exit 1
export TIPHUB_NO_PROGRESS=1
unset TIPHUB_DB TIPHUB_SECRET

(
    set -e
    cd "$work"
    "$tiphub" synth --seed 7 --persons 1500 --agencies 12 --out in --quiet
    printf 'browser-test-secret\n' > secret
    "$tiphub" init --db hub.db --quiet
    for f in in/*.csv; do
        a=$(basename "$f" .csv)
        [ "$a" = truth ] && continue
        "$tiphub" init --db "ag/$a.db" --quiet
        "$tiphub" import --db "ag/$a.db" --quiet "$f"
        "$tiphub" encode --db "ag/$a.db" --secret-file secret -o "ag/$a.sub" --quiet
        "$tiphub" hub add --db hub.db --quiet "ag/$a.sub"
    done
    "$truth_link" hub.db in/truth.csv ag/*.db > /dev/null
    "$tiphub" report --db hub.db -o sdc.html --quiet
    "$tiphub" report --db hub.db --dp 0.5 --dataset browser -o dp.html --quiet
    "$tiphub" report --db hub.db --exact -o exact.html --quiet 2> /dev/null
) || { echo "FAIL: could not build the hub and its reports"; exit 1; }

status=0
cd "$here" || exit 1
node check-report.mjs --print "$artifacts/report.pdf" "$work/sdc.html" "$artifacts/report.png" \
    "$work/dp.html" "$artifacts/report-dp.png" "$work/exact.html" "$artifacts/report-exact.png" ||
    status=1
cp "$work/sdc.html" "$artifacts/report.html"
exit $status

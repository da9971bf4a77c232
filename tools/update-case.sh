#!/bin/sh
# update-case.sh: (re)write a case's expected output from what the binary does now.
#
# usage: tools/update-case.sh TIPHUB_BINARY CASE_DIR...
#
# Writes expected, expected_stderr and status (when not 0) for each case, and shows
# them. Read what it wrote before committing: the expected files are the test.
set -u
tiphub_bin=$1
shift
for case_dir in "$@"; do
    case_dir=$(cd "$case_dir" && pwd)
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/tiphub-case.XXXXXX")
    [ -d "$case_dir/input" ] && cp -R "$case_dir/input" "$scratch/input"
    (
        cd "$scratch" || exit 99
        export TIPHUB="$tiphub_bin" TIPHUB_NO_PROGRESS=1 CASE_DIR="$case_dir" TIPHUB_TODAY=2026-06-30
        unset TIPHUB_DB TIPHUB_SECRET
        { printf 'tiphub() { "$TIPHUB" "$@"; }\n'; cat "$case_dir/cmd"; } > .cmd.sh
        sh .cmd.sh > .stdout 2> .stderr
        echo $? > .status
    )
    cp "$scratch/.stdout" "$case_dir/expected"
    cp "$scratch/.stderr" "$case_dir/expected_stderr"
    st=$(cat "$scratch/.status")
    if [ "$st" = 0 ]; then rm -f "$case_dir/status"; else echo "$st" > "$case_dir/status"; fi
    echo "== $(basename "$case_dir") (status $st)"
    cat "$case_dir/expected" "$case_dir/expected_stderr"
    rm -rf "$scratch"
done

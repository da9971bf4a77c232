#!/bin/sh
# run-case.sh: run one end-to-end case directory (see tests/cases/README.md).
#
# usage: run-case.sh TIPHUB_BINARY CASE_DIR
#
# The case's `cmd` is a shell script run with `sh -e` in a fresh scratch directory
# holding a copy of the case's input/ (as ./input). $TIPHUB is the binary under test
# and `tiphub` is a function that calls it. The case passes when the exit status
# equals `status` (default 0) and, where they exist, standard output equals
# `expected` and standard error equals `expected_stderr`, byte for byte.
set -u
tiphub_bin=$1
case_dir=$2

if [ ! -x "$tiphub_bin" ]; then
    echo "run-case: '$tiphub_bin' is not executable" >&2
    exit 2
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tiphub-case.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
if [ -d "$case_dir/input" ]; then
    cp -R "$case_dir/input" "$scratch/input"
fi

want_status=0
if [ -f "$case_dir/status" ]; then
    want_status=$(tr -d ' \n' < "$case_dir/status")
fi

(
    cd "$scratch" || exit 99
    # A fixed "today" keeps date checks (no birth date after today) stable over time.
    export TIPHUB="$tiphub_bin" TIPHUB_NO_PROGRESS=1 CASE_DIR="$case_dir" TIPHUB_TODAY=2026-06-30
    unset TIPHUB_DB TIPHUB_SECRET
    { printf 'tiphub() { "$TIPHUB" "$@"; }\n'; cat "$case_dir/cmd"; } > "$scratch/.cmd.sh"
    sh "$scratch/.cmd.sh" > "$scratch/.stdout" 2> "$scratch/.stderr"
    echo $? > "$scratch/.status"
)
got_status=$(cat "$scratch/.status")
fail=0
if [ "$got_status" != "$want_status" ]; then
    echo "case $(basename "$case_dir"): exit status $got_status, expected $want_status"
    fail=1
fi
if [ -f "$case_dir/expected" ] && ! cmp -s "$case_dir/expected" "$scratch/.stdout"; then
    echo "case $(basename "$case_dir"): standard output differs:"
    diff -u "$case_dir/expected" "$scratch/.stdout" | head -40
    fail=1
fi
if [ -f "$case_dir/expected_stderr" ] && ! cmp -s "$case_dir/expected_stderr" "$scratch/.stderr"; then
    echo "case $(basename "$case_dir"): standard error differs:"
    diff -u "$case_dir/expected_stderr" "$scratch/.stderr" | head -40
    fail=1
fi
if [ $fail -ne 0 ]; then
    echo "--- stderr ---"
    head -20 "$scratch/.stderr"
fi
exit $fail

# tests/bad_during.sh WHEN ACTION CMD...: a helper of tests/bad_inputs.sh. Runs
# CMD in the background; once the shell test WHEN holds (polled every 20 ms,
# for 10 s at most), runs ACTION, where $pid is CMD's process and $err the file
# that collects CMD's stderr; then passes CMD's stderr and exit status on.
when=$1 action=$2
shift 2
err=$(mktemp "${TMPDIR:-/tmp}/bad_during.XXXXXX")
"$@" 2>"$err" &
pid=$!
i=0
until eval "$when" || ! kill -0 $pid 2>/dev/null || [ $i -ge 500 ]; do
    sleep 0.02
    i=$((i + 1))
done
if eval "$when"; then eval "$action"; else echo "bad_during.sh: '$when' never held" >&2; fi
wait $pid
rc=$?
cat "$err" >&2
rm -f "$err"
exit $rc

# Sourced by every sh driver that tests/fakedriver.py's write_script writes:
#
#   #!/bin/sh
#   . /abs/path/to/tests/specdriver.sh
#   PRELUDE
#   answer "$1" 'INFO' 'DESCRIBE'
#   cat >/dev/null                  (unless read_stdin=False)
#   MEASURE STEP
#
# Sourcing keeps $0 and the positional parameters the driver's own.

# answer ARG INFO DESCRIBE: for --info print INFO, for --describe print
# DESCRIBE (exactly as given, no newline added) and exit 0; for any other
# call (a measure) return.
answer() {
  case "$1" in
  --info) printf '%s' "$2"; exit 0 ;;
  --describe) printf '%s' "$3"; exit 0 ;;
  esac
}

# wait_for FILE: return once FILE exists. Gives up (exit 9) after 1000 naps
# of 10 ms, so a test never hangs on it.
wait_for() {
  i=0
  while [ ! -e "$1" ]; do
    i=$((i+1))
    if [ $i -gt 1000 ]; then echo "gave up waiting for $1" >&2; exit 9; fi
    sleep 0.01
  done
}

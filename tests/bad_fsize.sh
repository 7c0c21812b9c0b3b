# tests/bad_fsize.sh BLOCKS CMD...: a helper of tests/bad_inputs.sh, a full disk
# without a device: CMD runs with RLIMIT_FSIZE at BLOCKS (ulimit -f units)
# and SIGXFSZ ignored, so a write past it fails with EFBIG as on ENOSPC.
trap '' XFSZ
ulimit -f "$1"
shift
exec "$@"

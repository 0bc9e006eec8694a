#!/usr/bin/env bash
# Create (if missing) the Python virtualenv for xborder's test helpers and install
# scripts/requirements-test.txt into it. A second run with unchanged requirements is a no-op.
#
#   PY="$(scripts/venv.sh | tail -n1)"     # the venv's python is printed on the last line
#   "$PY" scripts/gen_sample_data.py
#
# Environment:
#   XBORDER_VENV   venv directory (default: .venv at the repo root; relative paths are taken from the repo root)
#   PYTHON         interpreter used to create the venv (default: python3)
#   PIP_INDEX_URL  honoured by pip, and by the pip bootstrap below when the interpreter has no ensurepip
#
# Progress goes to stderr; stdout carries only the python path.
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${XBORDER_VENV:-.venv}"
case "$venv" in
  /*) ;;
  *) venv="$root/$venv" ;;
esac
req="$root/scripts/requirements-test.txt"
base_python="${PYTHON:-python3}"
py="$venv/bin/python"
stamp="$venv/.requirements-test.sha256"

log() { printf 'venv.sh: %s\n' "$*" >&2; }

[ -f "$req" ] || { log "missing $req"; exit 2; }
want="$(sha256sum -- "$req" | cut -d' ' -f1)"

# Fast path: interpreter present and the stamp matches the requirements.
if [ -x "$py" ] && [ -f "$stamp" ] && [ "$(cat -- "$stamp")" = "$want" ]; then
  printf '%s\n' "$py"
  exit 0
fi

mkdir -p -- "$venv"
# Serialise concurrent runs (two test jobs starting at once) when flock is available.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$venv/.lock"
  flock 9
  # Another run may have finished the work while we waited.
  if [ -x "$py" ] && [ -f "$stamp" ] && [ "$(cat -- "$stamp")" = "$want" ]; then
    printf '%s\n' "$py"
    exit 0
  fi
fi

# Bootstrap pip from the package index when the interpreter ships without ensurepip
# (Debian's python3 without the python3-venv package). Uses only the standard library.
bootstrap_pip() {
  log "no pip in $venv; bootstrapping pip from the package index"
  tmp="$(mktemp -d)"
  trap 'rm -rf -- "$tmp"' EXIT
  "$py" - "$tmp" >&2 <<'PYEOF'
import hashlib, os, re, sys, urllib.parse, urllib.request

dest = sys.argv[1]
index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
page_url = index + "/pip/"
with urllib.request.urlopen(page_url, timeout=120) as r:
    html = r.read().decode("utf-8", "replace")
best = None
for href in re.findall(r'href="([^"]+)"', html):
    url = urllib.parse.urljoin(page_url, href.replace("&amp;", "&"))
    name = urllib.parse.unquote(url.split("#")[0].rsplit("/", 1)[-1])
    m = re.fullmatch(r"pip-(\d+(?:\.\d+)*)-py3-none-any\.whl", name)
    if not m:
        continue
    version = tuple(int(p) for p in m.group(1).split("."))
    if best is None or version > best[0]:
        best = (version, url, name)
if best is None:
    sys.exit("venv.sh: no pip wheel found at " + page_url)
_, url, name = best
with urllib.request.urlopen(url, timeout=300) as r:
    data = r.read()
frag = urllib.parse.urlparse(url).fragment
if frag.startswith("sha256=") and hashlib.sha256(data).hexdigest() != frag[7:]:
    sys.exit("venv.sh: sha256 mismatch for " + name)
path = os.path.join(dest, name)
with open(path, "wb") as f:
    f.write(data)
print(path)
PYEOF
  local whl
  whl="$(ls -- "$tmp"/pip-*.whl)"
  # A wheel is a zip archive that Python can run pip from directly.
  "$py" "$whl/pip" install --quiet --no-index -- "$whl" >&2
}

if ! [ -x "$py" ] || ! "$py" -c 'import sys' >/dev/null 2>&1; then
  log "creating $venv with $base_python"
  if ! "$base_python" -m venv -- "$venv" >&2; then
    log "python -m venv failed (no ensurepip?); retrying without pip"
    "$base_python" -m venv --without-pip -- "$venv" >&2
  fi
fi
if ! "$py" -m pip --version >/dev/null 2>&1; then
  bootstrap_pip
fi

log "installing $(basename -- "$req")"
"$py" -m pip install --quiet --disable-pip-version-check -r "$req" >&2

# Write the stamp last and atomically: an interrupted install is retried next time.
printf '%s\n' "$want" >"$stamp.tmp"
mv -f -- "$stamp.tmp" "$stamp"
printf '%s\n' "$py"

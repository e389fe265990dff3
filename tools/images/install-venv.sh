#!/bin/sh
# Inside an image build: install REQUIREMENT with the pins of LOCK from /wheels into /opt/venv, then compile it.
#   install-venv.sh LOCK REQUIREMENT
# The kubernetes client (kratix-sdk needs it; only a delete pipeline or the controller talks to the API) is
# 1,700 generated modules: it is kept as bytecode only, which halves its 36 MB; its tracebacks lose source
# lines, nothing else. Everything else keeps its sources beside the bytecode.
set -eu
lock=$1 requirement=$2
python -m venv --without-pip /opt/venv
# pip runs from its wheel, so the venv carries no pip (nothing installs into a running image).
set -- /wheels/pip-*.whl
# The wheelhouse was checked against the lock's hashes when it was made (tools/images/build.sh); here the lock
# only pins versions (a hash line would put pip in hash-checking mode, which our own wheel cannot satisfy).
python -c 'import sys
for line in open(sys.argv[1]):
    if "==" in line: print(line.split()[0])' "$lock" > /tmp/constraints.txt
python "$1/pip" --python /opt/venv/bin/python install --no-index --find-links /wheels \
  --no-compile --disable-pip-version-check --quiet -c /tmp/constraints.txt "$requirement"
site=/opt/venv/lib/python3.11/site-packages
/opt/venv/bin/python -m compileall -q -b "$site/kubernetes"
/opt/venv/bin/python -c 'import pathlib, sys; [p.unlink() for p in pathlib.Path(sys.argv[1]).rglob("*.py")]' \
  "$site/kubernetes"
/opt/venv/bin/python -m compileall -q /opt/venv

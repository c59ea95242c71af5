# Sourced by the README's commands: creates (or updates) the development venv at
# $VENV (default .venv) with this checkout installed in editable mode and the test tools.
VENV="${VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]"
export PATH="$VENV/bin:$PATH"

#!/usr/bin/env bash
# Lays out Boards' generator package (from a Boards checkout) so run.py can import it without
# Boards' server: a stub progress model, no package __init__ side effects, and the two upload
# helpers (whose PEP 695 signatures need Python 3.12) replaced by ones returning
# https://uploads.test/<generation_id>.
# Usage: prepare.sh <boards checkout> <work dir>
set -euo pipefail
src="$1/packages/backend/src/boards"
work="$2"
rm -rf "$work/boards" && mkdir -p "$work/boards/progress"
cp -r "$src/generators" "$work/boards/"
: > "$work/boards/__init__.py"
: > "$work/boards/progress/__init__.py"
: > "$work/boards/generators/__init__.py"
cat > "$work/boards/progress/models.py" <<'PY'
from pydantic import BaseModel
class ProgressUpdate(BaseModel):
    job_id: str = ""
    status: str = ""
    progress: float = 0
    phase: str = ""
    message: str | None = None
PY
for p in fal kie; do
  printf 'async def upload_artifacts_to_%s(artifacts, context):\n    return [f"https://uploads.test/{a.generation_id}" for a in artifacts]\n' "$p" \
    > "$work/boards/generators/implementations/$p/utils.py"
done

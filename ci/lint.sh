#!/usr/bin/env bash
# yamllint on the GitHub workflows and actions (and the GitLab template), shellcheck on every shell
# script of the repository and on every `run:` step of the workflows and actions (their `${{ }}`
# expressions replaced by a variable, as GitHub substitutes them before bash runs).
set -euo pipefail
cd "$(dirname "$0")/.."

# Every tracked file that is a shell script: by extension or by its #! line.
mapfile -t scripts < <(git ls-files | while read -r f; do
  case "$f" in
    *.sh | *.bash) echo "$f" ;;
    *) [ -f "$f" ] && head -c 64 "$f" | head -1 | grep -Eq '^#!.*(/|env )(ba)?sh\b' && echo "$f" ;;
  esac
done | sort -u)
mapfile -t yaml_files < <(git ls-files 'action.yml' '.github/*.yml' 'ci/github/*.yml' 'ci/gitlab/*.yml')

echo "== yamllint: ${#yaml_files[@]} files"
yamllint --strict -c ci/yamllint.yml "${yaml_files[@]}"

echo "== shellcheck: ${#scripts[@]} scripts"
shellcheck --external-sources "${scripts[@]}"

steps=$(mktemp -d "${TMPDIR:-/tmp}/kmg-lint.XXXXXX")
trap 'rm -rf "$steps"' EXIT
python3 - "$steps" "${yaml_files[@]}" <<'PY'
import re, sys, yaml
out = sys.argv[1]
n = 0
for path in sys.argv[2:]:
    doc = yaml.safe_load(open(path)) or {}
    jobs = list((doc.get("jobs") or {}).values())
    if isinstance(doc.get("runs"), dict):
        jobs.append(doc["runs"])
    for job in jobs:
        for i, step in enumerate(job.get("steps") or []):
            if "run" not in step or step.get("shell", "bash") not in ("bash", "sh"):
                continue
            n += 1
            script = re.sub(r"\$\{\{.*?\}\}", "${GITHUB_EXPRESSION}", step["run"])
            name = f"{out}/{n:02d}-{path.replace('/', '_')}-step{i}.sh"
            with open(name, "w") as f:
                f.write(f"#!/usr/bin/env bash\n# {path}: {step.get('name', 'step %d' % i)}\n"
                        "GITHUB_EXPRESSION=x\n" + script)
print(f"== shellcheck: {n} run steps")
PY
if compgen -G "$steps/*.sh" >/dev/null; then
  # SC2034: GITHUB_EXPRESSION stands for the expressions GitHub substitutes.
  shellcheck --exclude=SC2034 "$steps"/*.sh
fi
echo "lint: ok"

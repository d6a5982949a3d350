#!/bin/sh
# The Kubernetes manifest of docs/batch.md (contrib/kubernetes): valid YAML by yamllint's
# rules (-s: warnings fail too), an Indexed Job whose command hands JOB_COMPLETION_INDEX to
# --shard, with as many completions as shards. No cluster runs here: this is what can be
# checked without one. make check entry; skip (77) without yamllint (Debian yamllint).
set -u
top=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
dir=$top/contrib/kubernetes
command -v yamllint >/dev/null 2>&1 || { echo "skip - yamllint is not installed"; exit 77; }
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "    $l"; done; }
for f in "$dir"/*.yaml; do
	[ "$(basename "$f")" = yamllint.yaml ] && continue
	if out=$(yamllint -s -c "$dir/yamllint.yaml" "$f" 2>&1); then
		ok "yamllint: $(basename "$f")"
	else
		not_ok "yamllint: $(basename "$f")" "$out"
	fi
done
job=$dir/mxdiag-batch-job.yaml
if out=$(python3 - "$job" <<'PY' 2>&1
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
job = [d for d in docs if d.get("kind") == "Job"][0]
spec = job["spec"]
c = spec["template"]["spec"]["containers"][0]
env = {e["name"]: e.get("value") for e in c.get("env", [])}
script = " ".join(c.get("command", []) + c.get("args", []))
problems = []
if spec.get("completionMode") != "Indexed":
    problems.append("completionMode is not Indexed")
if str(spec.get("completions")) != env.get("SHARDS"):
    problems.append("completions %s != SHARDS %s" % (spec.get("completions"), env.get("SHARDS")))
if '--shard "$JOB_COMPLETION_INDEX/$SHARDS"' not in script or "--batch" not in script:
    problems.append("the command does not pass JOB_COMPLETION_INDEX to --shard: " + script)
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
); then
	ok "the Job is Indexed, hands JOB_COMPLETION_INDEX/SHARDS to --shard, completions = shards"
else
	not_ok "the Job is Indexed, hands JOB_COMPLETION_INDEX/SHARDS to --shard" "$out"
fi
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]

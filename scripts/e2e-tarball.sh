#!/usr/bin/env bash
# End-to-end check of the published shape of llmdpd, as a new user meets it: pack the package,
# install the tarball in an empty project (its dependencies come from the npm registry), then
# write a small D4RL-layout file with the installed API and run
#   llmdpd train -> llmdpd plot -> llmdpd eval -> llmdpd export
# through npx, then act with the exported policy through llmdpd/export and the standalone
# llmdpd/runtime module. Fails on any npm warning during the install, an install above 150 MB, a
# dependency with an install script, or a command that does not do what it says.
#
# Usage: scripts/e2e-tarball.sh [WORKDIR]   (default: a new temporary folder, removed at the end)
# Needs: node, npm and the npm registry. About 1-2 minutes on 2 cores.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -ge 1 ]; then
  work="$1"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
fail() {
  echo "e2e-tarball: FAIL: $*" >&2
  exit 1
}
step() { echo "e2e-tarball: $*"; }

step "packing $repo"
(cd "$repo" && npm pack --silent --pack-destination "$work" >"$work/pack.txt")
tarball="$work/$(tail -n 1 "$work/pack.txt")"
[ -f "$tarball" ] || fail "npm pack wrote no tarball"

project="$work/project"
mkdir -p "$project"
cd "$project"
printf '{ "name": "llmdpd-e2e", "private": true, "type": "module" }\n' >package.json
step "installing $(basename "$tarball") in $project"
npm install --no-audit --no-fund "$tarball" >"$work/install.out" 2>"$work/install.err" || {
  cat "$work/install.err" >&2
  fail "npm install failed"
}
if grep -qi 'npm warn' "$work/install.err" "$work/install.out"; then
  grep -i 'npm warn' "$work/install.err" "$work/install.out" >&2
  fail "npm printed warnings during the install"
fi
size_kb="$(du -sk node_modules | cut -f1)"
step "node_modules: $((size_kb / 1024)) MB"
[ "$size_kb" -lt $((150 * 1024)) ] || fail "the install takes $((size_kb / 1024)) MB, over 150 MB"
scripts="$(find node_modules -name package.json -not -path '*/node_modules/*/node_modules/*/node_modules/*' -print0 |
  xargs -0 grep -lE '"(preinstall|install|postinstall)"[[:space:]]*:' || true)"
[ -z "$scripts" ] || fail "dependencies with install scripts: $scripts"

step "writing a D4RL-layout file with the installed API"
cat >make-data.mjs <<'JS'
import { collectDataset, writeD4rl } from 'llmdpd';
// A noisy linear swing-up controller on Pendulum-v1: 3000 transitions, 15 episodes.
const policy = (obs, { rng }) => Float32Array.of(Math.max(-2, Math.min(2, -2 * obs[1] - 0.5 * obs[2] + 0.3 * rng.normal())));
const { buffer } = await collectDataset('Pendulum-v1', policy, { steps: 3000, seed: 0, progress: 'off' });
await writeD4rl('pendulum.hdf5', buffer, { metadata: { algorithm: 'noisy-linear' } });
console.log(buffer.size);
JS
[ "$(node make-data.mjs)" -gt 2900 ] || fail "the dataset was not written"

config='{"hiddenDims":[64,64],"criticHiddenDims":[64,64],"batchSize":64,"maxAction":2}'
step "llmdpd train"
npx llmdpd train diffusion-ql --data pendulum.hdf5 --steps 300 --steps-per-epoch 100 --log-every 50 \
  --seeds 0,1 --eval-env Pendulum-v1 --eval-episodes 3 --config "$config" --out runs/dql --progress lines \
  >train.out 2>train.err || {
  cat train.err >&2
  fail "llmdpd train failed"
}
cat train.out
for seed in 0 1; do
  run="runs/dql/seed$seed"
  grep -q '"state": "completed"' "$run/status.json" || fail "$run/status.json is not completed"
  [ -f "$run/checkpoint/manifest.json" ] || fail "$run has no checkpoint"
  [ "$(wc -l <"$run/metrics.jsonl")" -eq 6 ] || fail "$run/metrics.jsonl should have 6 rows"
  [ "$(wc -l <"$run/evaluations.csv")" -eq 4 ] || fail "$run/evaluations.csv should have a header and 3 rows"
done
[ "$(grep -c '^Diffusion-QL epoch' train.err)" -eq 6 ] || fail "expected one epoch line per epoch and seed on stderr"

step "llmdpd plot"
npx llmdpd plot runs/dql --out curves.svg >plot.out || fail "llmdpd plot failed"
cat plot.out
head -c 4 curves.svg | grep -q '<svg' || fail "curves.svg is not an SVG"
grep -q '<polygon' curves.svg || fail "curves.svg has no band over the seeds"

step "llmdpd eval"
npx llmdpd eval runs/dql/seed0 --episodes 3 --seed 7 >eval.txt || fail "llmdpd eval (table) failed"
cat eval.txt
grep -qE '^Pendulum-v1 +3 ' eval.txt || fail "the eval table has no Pendulum-v1 row"
npx llmdpd eval runs/dql/seed0 --episodes 3 --seed 7 --json >eval.json || fail "llmdpd eval --json failed"
node -e '
  const r = JSON.parse(require("fs").readFileSync("eval.json", "utf8"));
  if (r.step !== 300 || r.results.length !== 1 || r.results[0].episodes !== 3 || !(r.results[0].meanReturn < 0))
    throw new Error("unexpected eval report: " + JSON.stringify(r));
' || fail "eval.json is not the expected report"

step "llmdpd export"
npx llmdpd export runs/dql/seed0 policy --json >export.json 2>export.err || {
  cat export.err >&2
  fail "llmdpd export failed"
}
node -e '
  const r = JSON.parse(require("fs").readFileSync("export.json", "utf8"));
  if (r.agent !== "DiffusionQLAgent" || r.acting !== "diffusion" || r.step !== 300 || !(r.tensors > 0))
    throw new Error("unexpected export report: " + JSON.stringify(r));
' || fail "export.json is not the expected report"
[ -f policy/manifest.json ] || fail "the export wrote no manifest"

step "acting with the exported policy: the Node loader and the standalone runtime"
cat >act.mjs <<'JS'
import { readFileSync } from 'node:fs';
import { loadExportedPolicy } from 'llmdpd/export';
import { createPolicy } from 'llmdpd/runtime';
// The runtime is one module with no imports, as a web page would load it.
const runtime = readFileSync(new URL('./node_modules/llmdpd/dist/export/runtime.js', import.meta.url), 'utf8');
if (/^\s*import\s/m.test(runtime)) throw new Error('dist/export/runtime.js imports something');
const manifest = JSON.parse(readFileSync('policy/manifest.json', 'utf8'));
const a = loadExportedPolicy('policy');
const b = createPolicy(manifest, readFileSync(`policy/${manifest.dataFile}`));
const observations = [1, 0, 0.5, 0.6, -0.8, -1.2, -1, 0, 3];
const x = a.actBatch(observations);
const y = b.actBatch(observations);
if (x.length !== 3 || x.some((v, i) => v !== y[i] || !(Math.abs(v) <= 2)))
  throw new Error(`unexpected actions ${Array.from(x)} / ${Array.from(y)}`);
console.log(Array.from(x).map((v) => v.toFixed(3)).join(' '));
JS
node act.mjs >act.out || fail "the exported policy did not act"
cat act.out

step "usage errors exit with 2 on one line"
set +e
npx llmdpd train diffusion-ql --data pendulum.hdf5 --seeds 0,0 >/dev/null 2>usage.err
code=$?
set -e
[ "$code" -eq 2 ] || fail "a repeated seed should exit with 2, got $code"
[ "$(wc -l <usage.err)" -eq 1 ] || fail "a usage error should print one line"

step "OK"

#!/usr/bin/env bash
# Prints a ConfigMap holding routes-data/, to change exemplars, rules, routing or
# prices without rebuilding the image:
#   deploy/routes-data-configmap.sh | kubectl apply -f -
# ConfigMap keys cannot contain "/", so exemplars/<file> becomes exemplars__<file>;
# ("@" is not allowed either and becomes "_"); deployment.yaml's commented volume maps the keys back to paths.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for file in routes-data/*.json; do args+=("--from-file=$(basename "$file")=$file"); done
for file in routes-data/exemplars/*.jsonl; do args+=("--from-file=exemplars__$(basename "$file")=$file"); done
for file in routes-data/calibration/*.json; do [ -e "$file" ] && args+=("--from-file=calibration__$(basename "$file" | tr "@" "_")=$file"); done
kubectl create configmap llm-router-routes-data "${args[@]}" --dry-run=client -o yaml

#!/usr/bin/env bash
# The Dockerfile's build stage without a container engine: copies exactly what its COPY lines take from the build
# context into a clean folder, runs the stage's npm steps there (npm ci, whose `prepare` compiles, and npm prune),
# then checks what the runtime stage needs: the files it copies from the build stage and the entry point in CMD,
# which must load with production dependencies only. It fails where `docker build` would, for the reasons a file
# list can cause: a file the build needs that no COPY names, a dev-only import in shipped code, a missing output.
# Steps that need apt or the Hugging Face Hub (apt-get, the model fetch) are skipped and named; for a skipped
# `node <script>` the script must at least exist in the build output.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DOCKERFILE="${1:-Dockerfile}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/docker-context.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
say() { printf 'docker-context: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }


# Logical lines: continuations joined, comments and blank lines dropped.
logical_lines() {
  sed -e 's/[[:space:]]*$//' "$DOCKERFILE" | awk '
    /^[[:space:]]*#/ && !cont { next }
    { line = cont ? line " " $0 : $0 }
    /\\$/ { sub(/\\$/, "", line); cont = 1; next }
    { cont = 0; if (line ~ /[^[:space:]]/) print line; line = "" }'
}

# 1. COPY from the context (no --from): "COPY [--opt...] <src>... <dest>", dest relative to WORKDIR (/app).
copies=0
while read -r line; do
  read -r -a words <<<"$line"
  args=()
  for word in "${words[@]:1}"; do [[ $word == --* ]] || args+=("$word"); done
  [ "${#args[@]}" -ge 2 ] || fail "cannot read: $line"
  dest="${args[-1]}"
  dest="${dest#/app/}"
  unset 'args[-1]'
  for src in "${args[@]}"; do
    [[ $src == *[*?]* ]] && fail "wildcards in COPY are not handled: $line"
    [ -e "$ROOT/$src" ] || fail "COPY names $src, which is not in the build context ($line)"
    if [[ $dest == */ || $dest == . || "${#args[@]}" -gt 1 ]]; then
      mkdir -p "$WORK/$dest"
      cp -R "$ROOT/$src" "$WORK/$dest/"
    else
      mkdir -p "$(dirname "$WORK/$dest")"
      cp -R "$ROOT/$src" "$WORK/$dest"
    fi
    copies=$((copies + 1))
  done
done < <(logical_lines | grep -E '^COPY[[:space:]]' | grep -v -- '--from=')
# .dockerignore keeps paths out of the context: remove them from the copy as docker would never send them.
# Patterns are relative to the context root (globs, ** included); exceptions (!) are not handled.
if [ -f .dockerignore ]; then
  while read -r pattern; do
    pattern="${pattern%/}"
    [ -n "$pattern" ] && [[ $pattern != \#* ]] || continue
    [[ $pattern == !* ]] && fail ".dockerignore exception '$pattern' is not handled"
    (cd "$WORK" && shopt -s globstar nullglob dotglob && for match in $pattern; do rm -rf -- "$match"; done)
  done <.dockerignore
fi
say "copied $copies context paths named by COPY lines into $WORK (minus .dockerignore)"

# 2. The build stage's RUN steps (from the first FROM to the second), split on &&: npm steps run, others are named.
build_stage="$(logical_lines | awk '/^FROM[[:space:]]/ { stage++ } stage == 1')"
export npm_config_audit=false npm_config_fund=false npm_config_prefer_offline=true npm_config_update_notifier=false
while read -r run; do
  IFS=$'\n' read -r -d '' -a steps < <(printf '%s' "${run#RUN }" | sed 's/[[:space:]]*&&[[:space:]]*/\n/g' && printf '\0') || true
  for step in "${steps[@]}"; do
    step="$(printf '%s' "$step" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')"
    [ -n "$step" ] || continue
    case "$step" in
      npm\ *)
        say "run: $step"
        (cd "$WORK" && bash -c "$step") || fail "the image's build step failed: $step"
        ;;
      node\ *)
        script="$(printf '%s' "$step" | awk '{ print $2 }')"
        [ -f "$WORK/$script" ] || fail "skipped step '$step' would fail: $script is not in the build output"
        say "skipped (needs the network): $step"
        ;;
      *) say "skipped (needs apt or the network): $step" ;;
    esac
  done
done < <(printf '%s\n' "$build_stage" | grep -E '^RUN[[:space:]]')

# 3. What the runtime stage takes from the build stage, and its entry point.
while read -r line; do
  src="$(printf '%s' "$line" | awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; exit } }')"
  rel="${src#/app/}"
  if [ -e "$WORK/$rel" ]; then say "runtime stage copies $rel: present"
  elif grep -q "MODEL_CACHE_DIR=$src\$" "$DOCKERFILE"; then say "runtime stage copies $rel: made by the skipped model fetch"
  else fail "the runtime stage copies $src from the build stage, and the build did not produce it"
  fi
done < <(logical_lines | grep -E '^COPY[[:space:]].*--from=')
entry="$(logical_lines | grep -E '^CMD[[:space:]]' | tail -1 | sed -E 's/.*"node",[[:space:]]*"([^"]+)".*/\1/')"
[ -f "$WORK/$entry" ] || fail "CMD runs $entry, which the build did not produce"
# Load the entry's module graph with production dependencies only, without starting the server.
for module in dist/src/app.js dist/src/boot.js "$entry"; do
  [ "$module" = "$entry" ] && continue
  (cd "$WORK" && node --input-type=module -e "await import('./$module')") || fail "$module does not load after npm prune --omit=dev"
done
say "OK: the image's build stage succeeds on exactly the files the Dockerfile copies"

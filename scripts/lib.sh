# Shared install steps for scripts/start.sh, scripts/test.sh and scripts/setup.sh.
# Everything heavy is cached outside the repository and skipped when already present.
set -euo pipefail

BILLOW_CACHE="${BILLOW_CACHE:-$HOME/.cache/billow}"
TEMPORAL_CLI_VERSION="1.5.1"
TEST_SERVER_VERSION="1.38.0"
STRIPE_MOCK_VERSION="0.203.0"
export BILLOW_CACHE

step() { printf '\033[1m▸ %s\033[0m\n' "$*" >&2; }
info() { printf '  %s\n' "$*" >&2; }
die() { printf '\033[31m✗ %s\033[0m\n' "$*" >&2; exit 1; }

has_internet() { # true when the SDK's own download host answers (never on an offline machine)
  command -v curl >/dev/null 2>&1 && curl -sfI --max-time 3 https://temporal.download >/dev/null 2>&1
}

ensure_node_modules() {
  if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
    step "Installing npm dependencies (npm ci)"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  fi
}

# Temporal CLI (dev server + embedded UI), built from the Go module proxy.
ensure_temporal_cli() {
  local bin="$BILLOW_CACHE/bin/temporal"
  if [ -x "$bin" ]; then export TEMPORAL_CLI_PATH="$bin"; return; fi
  if ! command -v go >/dev/null 2>&1; then
    if has_internet; then info "Go not found: the Temporal SDK will download the CLI itself."; return; fi
    die "The Temporal CLI needs Go >= 1.25 to build offline. Install Go (apt-get install golang-go, or https://go.dev/dl) or set TEMPORAL_ADDRESS to an existing server."
  fi
  step "Building Temporal CLI v$TEMPORAL_CLI_VERSION with go install (first run only: several minutes, ~2 GB of module cache)"
  mkdir -p "$BILLOW_CACHE/bin"
  local t0=$SECONDS
  GOBIN="$BILLOW_CACHE/bin" GOMODCACHE="$BILLOW_CACHE/gomod" GOCACHE="$BILLOW_CACHE/gobuild" \
    CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go install -trimpath -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_CLI_VERSION" \
    "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" \
    || die "go install of the Temporal CLI failed (see above). It needs Go >= 1.25 and the Go module proxy."
  info "built in $((SECONDS - t0)) s: $bin"
  export TEMPORAL_CLI_PATH="$bin"
}

# stripe-mock, Stripe's own API double (the payment tests talk to it through the official SDK),
# built from the Go module proxy like the Temporal CLI. The test set-up starts it on a free port.
ensure_stripe_mock() {
  local bin="$BILLOW_CACHE/bin/stripe-mock"
  if [ -x "$bin" ]; then export STRIPE_MOCK_PATH="$bin"; return; fi
  command -v go >/dev/null 2>&1 || die "The payment tests need stripe-mock, built with Go >= 1.25. Install Go (apt-get install golang-go, or https://go.dev/dl)."
  step "Building stripe-mock v$STRIPE_MOCK_VERSION with go install (first run only)"
  mkdir -p "$BILLOW_CACHE/bin"
  local t0=$SECONDS
  GOBIN="$BILLOW_CACHE/bin" GOMODCACHE="$BILLOW_CACHE/gomod" GOCACHE="$BILLOW_CACHE/gobuild" \
    CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go install -trimpath -ldflags "-s -w" "github.com/stripe/stripe-mock@v$STRIPE_MOCK_VERSION" \
    || die "go install of stripe-mock failed (see above). It needs Go and the Go module proxy."
  info "built in $((SECONDS - t0)) s: $bin"
  export STRIPE_MOCK_PATH="$bin"
}

# Temporal's Java time-skipping test server from Maven Central, behind a wrapper that execs java.
ensure_test_server() {
  local dir="$BILLOW_CACHE/tts-$TEST_SERVER_VERSION" wrapper
  wrapper="$dir/temporal-test-server"
  if [ ! -x "$wrapper" ]; then
    if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
      if has_internet; then info "Java/Maven not found: the Temporal SDK will download its test server itself."; return; fi
      die "The time-skipping test server needs Java >= 17 and Maven. Install them (apt-get install openjdk-17-jre-headless maven)."
    fi
    step "Fetching Temporal test server $TEST_SERVER_VERSION from Maven Central (first run only)"
    mkdir -p "$dir"
    sed "s/@VERSION@/$TEST_SERVER_VERSION/" scripts/test-server-pom.xml > "$dir/pom.xml"
    local t0=$SECONDS
    mvn -q -B -f "$dir/pom.xml" -Dmaven.repo.local="$BILLOW_CACHE/m2" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$dir/lib" \
      || die "Maven could not fetch io.temporal:temporal-test-server:$TEST_SERVER_VERSION (see above)."
    # exec, so that the SDK's SIGKILL reaches the JVM itself; the port is the only argument.
    cat > "$wrapper.tmp" <<WRAP
#!/bin/sh
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Xmx512m -cp "$dir/lib/*" io.temporal.testserver.TestServer "\$@"
WRAP
    chmod +x "$wrapper.tmp" && mv "$wrapper.tmp" "$wrapper"
    info "fetched in $((SECONDS - t0)) s"
    check_test_server_start "$wrapper"
  fi
  export TEMPORAL_TEST_SERVER_PATH="$wrapper"
}

# The SDK gives the test server 5 s to accept connections; refuse a machine where it is near that.
check_test_server_start() {
  local wrapper="$1" port=$((20000 + RANDOM % 20000)) t0 ms pid
  t0=$(date +%s%N)
  "$wrapper" "$port" >/dev/null 2>&1 & pid=$!
  until (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    sleep 0.05
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ "$ms" -gt 10000 ]; then kill -9 "$pid" 2>/dev/null; die "The test server did not start within 10 s."; fi
  done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  info "test server cold start: ${ms} ms (the SDK allows 5000 ms)"
  [ "$ms" -le 3000 ] || die "The test server took ${ms} ms to start: too close to the SDK's 5 s limit. Free some CPU or use a faster JVM."
}

# Chromium, driven by puppeteer-core: the full browser (the console's browser tests; PDFs when there
# is nothing better) and its headless shell for invoice PDFs, about a third less CPU per PDF
# (src/documents/pdf-browser.ts). Both are Debian packages built from one source.
ensure_chromium() {
  local shell=/usr/lib/chromium/chromium-headless-shell chosen="${CHROMIUM_PATH:-}"
  if [ -n "$chosen" ]; then [ -x "$chosen" ] || die "CHROMIUM_PATH=$chosen is not executable."; fi
  if [ -n "${CHROMIUM_HEADLESS_SHELL_PATH:-}" ] && [ ! -x "$CHROMIUM_HEADLESS_SHELL_PATH" ]; then
    die "CHROMIUM_HEADLESS_SHELL_PATH=$CHROMIUM_HEADLESS_SHELL_PATH is not executable."
  fi
  if [ -z "${CHROMIUM_PATH:-}" ]; then
    for c in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
      if [ -x "$c" ]; then export CHROMIUM_PATH="$c"; break; fi
    done
  fi
  local missing=""
  [ -n "${CHROMIUM_PATH:-}" ] || missing="chromium"
  [ -n "${CHROMIUM_HEADLESS_SHELL_PATH:-}" ] || [ -n "$chosen" ] || [ -x "$shell" ] || missing="$missing chromium-headless-shell"
  if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "Installing ${missing# } from Debian's packages (first run only)"
    apt-get update -qq || die "apt-get update failed."
    if [ -z "${CHROMIUM_PATH:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || die "apt-get install chromium failed."
      export CHROMIUM_PATH=/usr/bin/chromium
    fi
    if [[ "$missing" == *headless-shell* ]]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null \
        || info "apt-get install chromium-headless-shell failed: PDFs render with the full browser, at about 1.4 times the CPU."
    fi
  fi
  [ -n "${CHROMIUM_PATH:-}" ] || die "Chromium is needed for invoice PDFs and the browser tests. Install it (sudo apt-get install chromium chromium-headless-shell) or set CHROMIUM_PATH."
  # An explicit CHROMIUM_PATH renders the PDFs too unless the shell is named (as pdf-browser.ts decides).
  if [ -z "${CHROMIUM_HEADLESS_SHELL_PATH:-}" ] && [ -z "$chosen" ] && [ -x "$shell" ]; then export CHROMIUM_HEADLESS_SHELL_PATH="$shell"; fi
}

# The Billow Console (console/): type-checked and bundled by Vite into console/dist, which the API
# serves at /console. Rebuilt only when its inputs change: its sources, the billing core it bundles
# (src/billing) and the lockfile; their hash is kept in console/dist/.inputs-hash.
console_inputs_hash() {
  { { find console -path console/dist -prune -o -type f -print; find src/billing -type f; echo package-lock.json; } \
    | LC_ALL=C sort | xargs sha256sum; echo "production build"; } | sha256sum | cut -c1-64
}

ensure_console() {
  local want have=""
  want=$(console_inputs_hash)
  [ -f console/dist/.inputs-hash ] && have=$(cat console/dist/.inputs-hash)
  if [ "$want" = "$have" ] && [ -f console/dist/index.html ]; then return; fi
  step "Building the Billow Console (console/ → console/dist)"
  local t0=$SECONDS
  npx tsc --noEmit -p console/tsconfig.json || die "The console does not type-check (see above)."
  # Always a production bundle, even when jest (NODE_ENV=test) starts the product.
  NODE_ENV=production npx vite build console --logLevel warn || die "The console build failed (see above)."
  echo "$want" > console/dist/.inputs-hash
  info "built in $((SECONDS - t0)) s"
}

# The Compose Specification's JSON schema, as Docker's own loader (compose-go) ships it, from the Go
# module proxy: the suite validates docker-compose.yml against it.
COMPOSE_GO_VERSION="v2.16.0"
ensure_compose_schema() {
  local dir="$BILLOW_CACHE/gomod/github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION"
  if [ ! -f "$dir/schema/compose-spec.json" ]; then
    command -v go >/dev/null 2>&1 || die "Validating docker-compose.yml needs Go to fetch the Compose schema (compose-go $COMPOSE_GO_VERSION)."
    step "Fetching the Compose Specification schema (compose-go $COMPOSE_GO_VERSION) from the Go module proxy"
    (cd "$BILLOW_CACHE" && GOMODCACHE="$BILLOW_CACHE/gomod" GOFLAGS=-mod=mod GOTOOLCHAIN=local \
      go mod download "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION") \
      || die "go mod download of compose-go failed (see above)."
  fi
  export BILLOW_COMPOSE_SCHEMA="$dir/schema/compose-spec.json"
}

ensure_all() {
  ensure_node_modules
  ensure_console
  ensure_temporal_cli
  ensure_test_server
  ensure_chromium
}

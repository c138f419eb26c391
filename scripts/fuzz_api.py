"""Bounded schemathesis run over the served OpenAPI spec; exits non-zero on any 5xx.

    python scripts/fuzz_api.py [--max-examples N] [--max-time SECONDS] [--seed N]

Starts the demo app (`run.py`: fresh SQLite database with the demo data in a temporary
instance folder, or the empty database given by --database-url) on a free port of 127.0.0.1, signs in the province admin and one unit
user through the JWT login, runs `schemathesis run` against `/api/v1/_openapi` once per
token (the check is `not_a_server_error`), stops the server and prints the operations,
the requests the server answered and how many of them were 5xx. The counts come from
the server's own access log, so they include every request schemathesis sent.
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Werkzeug's access log: 127.0.0.1 - - [date] "METHOD /path HTTP/1.1" 500 -
ACCESS = re.compile(r'\] "(?P<method>[A-Z]+) (?P<path>\S*)[^"]*" (?P<status>\d{3}) ')
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # werkzeug colours the status of its log lines
USERS = (("admin", "province admin"), ("company_hz", "unit user"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, server, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            time.sleep(1)
    raise SystemExit(f"server did not answer {url} within {timeout} s")


def login(base, username, password):
    body = json.dumps({"username": username, "password": password, "provider": "db"}).encode()
    req = urllib.request.Request(f"{base}/api/v1/security/login", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["access_token"]


def operations_in_spec(base, token):
    req = urllib.request.Request(f"{base}/api/v1/_openapi",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        spec = json.load(resp)
    verbs = {"get", "put", "post", "delete", "patch", "options", "head"}
    return sum(1 for item in spec["paths"].values() for verb in item if verb in verbs)


def schemathesis(base, token, args, report_dir):
    # The console script installed beside this interpreter (the venv's), else the one on PATH.
    exe = Path(sys.executable).parent / "schemathesis"
    cmd = [str(exe) if exe.exists() else "schemathesis", "run", f"{base}/api/v1/_openapi",
           "-H", f"Authorization: Bearer {token}",
           "--checks", "not_a_server_error",
           "--max-examples", str(args.max_examples),
           "--max-time", str(args.max_time),
           "--phases", "examples,coverage,fuzzing",
           "--seed", str(args.seed),
           # One worker: hypothesis' ast.parse from two threads trips a CPython 3.11 bug
           # ("AST constructor recursion depth mismatch"); the server is threaded anyway.
           "--workers", "1",
           "--request-timeout", "30",
           "--suppress-health-check", "all",
           "--no-shrink",
           "--continue-on-failure",
           "--warnings", "off",
           "--report", "ndjson", "--report-dir", str(report_dir)]
    return subprocess.run(cmd, cwd=report_dir.parent).returncode  # its cache stays in tmp


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=8)
    parser.add_argument("--max-time", type=int, default=140,
                        help="time budget of each of the two schemathesis runs")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--database-url", help="an empty database to serve instead of a fresh "
                        "SQLite file (e.g. a PostgreSQL database the caller creates and drops)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fuzz_api_"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_DEBUG")}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    env.update(INSTANCE_DIR=str(tmp / "instance"), PORT=str(port), HOST="127.0.0.1",
               RATELIMIT_STORAGE_URI="memory://", PYTHONUNBUFFERED="1",
               SCREENING_TIMEOUT="2")
    password = env.setdefault("DEMO_PASSWORD", "Demo@2026")
    log_path = tmp / "server.log"
    started = time.monotonic()
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(f"{base}/login/", server)
        print(f"server up on {base} after {time.monotonic() - started:.0f} s", flush=True)
        tokens = [(label, login(base, user, password)) for user, label in USERS]
        operations = operations_in_spec(base, tokens[0][1])
        mark = log_path.stat().st_size  # count only what schemathesis sends
        codes = []
        for label, token in tokens:
            print(f"=== schemathesis as the {label}", flush=True)
            codes.append(schemathesis(base, token, args, tmp / f"report-{label[:4]}"))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

    with open(log_path, errors="replace") as log:
        log.seek(mark)
        entries = [m.groupdict() for m in (ACCESS.search(ANSI.sub("", line)) for line in log)
                   if m]
    errors = [e for e in entries if e["status"].startswith("5")]
    print("\n=== server errors (method, path with ids as {n}, status: count)")
    shapes = Counter((e["method"], re.sub(r"/\d+", "/{n}", e["path"].split("?")[0]),
                      e["status"]) for e in errors)
    for (method, path, status), count in sorted(shapes.items()):
        print(f"  {method} {path} {status}: {count}")
    print(f"\nserver log: {log_path}" if args.keep or errors else "")
    print(f"operations: {operations}, requests: {len(entries)}, 5xx: {len(errors)}, "
          f"schemathesis exit codes: {codes}, total {time.monotonic() - started:.0f} s")
    if not (args.keep or errors):
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if errors or not entries else 0


if __name__ == "__main__":
    sys.exit(main())

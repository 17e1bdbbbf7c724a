#!/usr/bin/env python3
"""Server load benchmark: each endpoint's throughput and latency as a fraction of the limit.

Starts the release server (SQLite, then PostgreSQL) with the bench-only limit endpoint, makes
a user with 20 heroes, and drives each endpoint with wrk at fixed concurrency for a fixed time
after a warm-up. Every figure is also printed as a fraction of the limit endpoint measured in
the same run, because this machine is shared and noisy: ratios hold where absolute numbers
drift. Also records the server's RSS idle, its peak under load, and its RSS after paging
through the whole change feed (the answer cache filled to its bound).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "storyloom-server")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
# For iterating on one figure: BENCH_BACKENDS=postgres BENCH_ONLY=POST runs the limit endpoint
# (always, every figure is a fraction of it) and the scenarios whose label contains "POST".
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",")
ONLY = [o for o in os.environ.get("BENCH_ONLY", "").split(",") if o]

PG_ADMIN = os.environ.get("STORYLOOM_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")


def wanted(label):
    return not ONLY or label.startswith("limit") or any(o in label for o in ONLY)


def req(method, url, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    r = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        r.add_header("content-type", "application/json")
    if token:
        r.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(r) as resp:
        return json.loads(resp.read())


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def parse_ms(s):
    m = re.match(r"([\d.]+)(us|ms|s)", s)
    if not m:
        return None
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v if unit == "ms" else v * 1000


def wrk(url, token, script=None, seconds=DURATION):
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": parse_ms(lat.get("50", "")),
        "p99_ms": parse_ms(lat.get("99", "")),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def lua(body_json, method):
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    f.write(f'wrk.method = "{method}"\n')
    f.write(f"wrk.body = [[{body_json}]]\n")
    f.write('wrk.headers["Content-Type"] = "application/json"\n')
    f.close()
    return f.name


def start_server(db_url, data_dir, port):
    env = dict(os.environ)
    env.update({
        "STORYLOOM_BIND": f"127.0.0.1:{port}",
        "STORYLOOM_DATA_DIR": data_dir,
        "STORYLOOM_BENCH_LIMIT_ENDPOINT": "true",
        "STORYLOOM_LOG": "warn",
        "STORYLOOM_AUTH_LIMIT_PER_MINUTE": "100000",
        # The POST phase makes a few hundred thousand heroes for its one user: far past the
        # per-account limit, which would otherwise turn the phase into 413s.
        "STORYLOOM_USER_MAX_HEROES": "100000000",
    })
    if db_url:
        env["DATABASE_URL"] = db_url
    else:
        env.pop("DATABASE_URL", None)
    p = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api"
    for _ in range(200):
        try:
            req("GET", base + "/health")
            return p, base
        except Exception:
            time.sleep(0.05)
    p.kill()
    raise SystemExit("server did not start")


def run_backend(name, db_url, port):
    data_dir = tempfile.mkdtemp(prefix="storyloom-bench-")
    proc, base = start_server(db_url, data_dir, port)
    try:
        time.sleep(0.5)
        idle_rss = rss_kb(proc.pid, "VmRSS")
        auth = req("POST", base + "/auth/sign-up",
                   {"email": f"bench-{uuid.uuid4().hex}@example.com", "password": "bench password"})
        token = auth["data"]["session"]["token"]
        hero_body = {"name": "Bench hero", "age": 6, "traits": ["brave", "kind", "curious"],
                     "specialAbility": "can talk to the moon and make the stars dance",
                     "appearance": "curly hair, a yellow raincoat and green boots",
                     "hairColor": "brown", "eyeColor": "green", "skinTone": "light"}
        heroes = [req("POST", base + "/heroes", hero_body, token)["data"] for _ in range(20)]
        hid = heroes[0]["id"]
        cursor_all = req("GET", base + "/sync/changes", None, token)["data"]["cursor"]
        scenarios = [
            ("limit (no auth, no db)", base + "/bench/limit", None, None),
            ("GET /api/heroes", base + "/heroes", None, None),
            ("GET /api/heroes/{id}", base + f"/heroes/{hid}", None, None),
            ("GET /api/sync/changes (empty)", base + f"/sync/changes?since={cursor_all}", None, None),
            ("POST /api/heroes", base + "/heroes", lua(json.dumps(hero_body), "POST"), None),
            ("PATCH /api/heroes/{id}", base + f"/heroes/{hid}", lua('{"age": 7}', "PATCH"), None),
        ]
        results = {}
        for label, url, script, _ in filter(lambda s: wanted(s[0]), scenarios):
            tok = None if label.startswith("limit") else token
            wrk(url, tok, script, seconds=WARMUP)
            results[label] = wrk(url, tok, script)
        # "with 100 changes": a cursor at the latest change, then 100 new heroes after it, so
        # the page is exactly those 100 (the write phases leave far more behind older cursors,
        # and a cursor 100 versions back would be 100 versions of the one PATCHed hero). A
        # cursor is the version of the change it follows: with no other writer, the version
        # of a fresh hero is the latest cursor (checked by the page's size below).
        if not wanted("GET /api/sync/changes (100 changes)"):
            return finish(name, proc, idle_rss, results)
        since = req("POST", base + "/heroes", hero_body, token)["data"]["version"]
        for _ in range(100):
            req("POST", base + "/heroes", hero_body, token)
        url = base + f"/sync/changes?since={since}"
        page = req("GET", url, None, token)["data"]
        if len(page["changes"]) != 100 or page["hasMore"]:
            raise SystemExit(f"bench: expected a page of 100 changes, got {len(page['changes'])}")
        wrk(url, token, seconds=WARMUP)
        results["GET /api/sync/changes (100 changes)"] = wrk(url, token)
        peak_rss = rss_kb(proc.pid, "VmHWM")
        return finish(name, proc, idle_rss, results, peak_rss, page_feed(base, token, proc))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)


def page_feed(base, token, proc):
    """Every change of the user (the write phases leave 100,000+), in pages of 1,000, the most
    a device may ask for: each page is an answer of ~0.5 MB that the answer cache keeps, so
    this fills the cache to its byte bound. RSS afterwards shows what that bound costs."""
    since, n, started = "0", 0, time.time()
    while True:
        page = req("GET", base + f"/sync/changes?since={since}&limit=1000", None, token)["data"]
        n += len(page["changes"])
        since = page["cursor"]
        if not page["hasMore"]:
            break
    return {"changes": n, "seconds": round(time.time() - started, 1),
            "rss_after_kb": rss_kb(proc.pid, "VmRSS")}


def finish(name, proc, idle_rss, results, peak_rss=None, feed=None):
    if peak_rss is None:
        peak_rss = rss_kb(proc.pid, "VmHWM")
    limit = results["limit (no auth, no db)"]["rps"]
    for r in results.values():
        r["fraction_of_limit"] = round(r["rps"] / limit, 3) if limit else None
    return {"backend": name, "idle_rss_kb": idle_rss, "peak_rss_kb": peak_rss,
            "whole_feed": feed, "scenarios": results}


def pg_database():
    name = f"storyloom_bench_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", PG_ADMIN, "-qc", f"CREATE DATABASE {name}"], check=True)
    base = PG_ADMIN.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def main():
    out = {"connections": CONNECTIONS, "seconds": DURATION, "threads": THREADS, "backends": []}
    if "sqlite" in BACKENDS:
        out["backends"].append(run_backend("sqlite", None, 18181))
    if "postgres" in BACKENDS:
        name, url = pg_database()
        try:
            out["backends"].append(run_backend("postgres", url, 18182))
        finally:
            subprocess.run(["psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
    for b in out["backends"]:
        print(f"\n== server load, {b['backend']} ({CONNECTIONS} connections, {DURATION}s, wrk)")
        print(f"{'endpoint':40} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'of limit':>9} {'non-2xx':>8}")
        for label, r in b["scenarios"].items():
            print(f"{label:40} {r['rps']:>10.0f} {r['p50_ms'] or 0:>8.2f} {r['p99_ms'] or 0:>8.2f} "
                  f"{r['fraction_of_limit']:>9.2f} {r['non_2xx']:>8}")
        print(f"RSS idle {b['idle_rss_kb'] / 1024:.1f} MiB, peak {b['peak_rss_kb'] / 1024:.1f} MiB")
        if b["whole_feed"]:
            f = b["whole_feed"]
            print(f"whole feed in pages of 1000: {f['changes']} changes in {f['seconds']} s, "
                  f"RSS after {f['rss_after_kb'] / 1024:.1f} MiB")
    return out


if __name__ == "__main__":
    result = main()
    os.makedirs(os.path.join(ROOT, "target", "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "target", "bench", "server.json"), "w") as f:
        json.dump(result, f, indent=2)

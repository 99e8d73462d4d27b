#!/usr/bin/env python3
"""Writes chitieu-bench's results into docs/PERFORMANCE.md.

Reads the JSON lines of one run per backend and replaces the part of
docs/PERFORMANCE.md between the "bench:begin" and "bench:end" markers with
tables of the figures, the targets of issue 9 and whether each held.
  report.py --doc docs/PERFORMANCE.md --meta "..." sqlite=FILE [postgres=FILE]
"""
import argparse
import json
import re


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def pick(rows, benchmark, **kw):
    for r in rows:
        if r.get("benchmark") == benchmark and all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def verdict(ok):
    return "✅ holds" if ok else "❌ missed"


def forwarding(rows):
    runs_many = [r for r in rows if r.get("benchmark") == "forwarding" and r.get("concurrency", 1) > 1]
    many_label = "many in flight"
    if runs_many:
        c, n = runs_many[0]["concurrency"], runs_many[0].get("connections", 1)
        many_label = (f"{n} connections × {c // n} in flight" if c % n == 0
                      else f"{c} in flight over {n} connections")
    out = ["### 1. Forwarding: GetEnterprise direct, through the gateway, through nginx", "",
           f"| path | 1 in flight: p50 | p99 | throughput | {many_label}: throughput | p50 | p99 |",
           "|---|---|---|---|---|---|---|"]
    one, many = {}, {}
    def median_round(path, many_in_flight):
        runs = [r for r in rows if r.get("benchmark") == "forwarding"
                and r.get("name") == "GetEnterprise/" + path
                and (r.get("concurrency", 1) > 1) == many_in_flight]
        runs.sort(key=lambda r: r["throughput"])
        return runs[len(runs) // 2] if runs else None

    rounds = max((r.get("round", 1) for r in rows if r.get("benchmark") == "forwarding"), default=1)
    out[1:1] = ["", f"Each path ran in {rounds} interleaved rounds; each cell is the round with the "
                "median throughput."]
    for path in ("direct", "gateway", "gateway-district", "nginx"):
        a = median_round(path, False)
        b = median_round(path, True)
        if not a or not b:
            continue
        one[path], many[path] = a, b
        out.append(f"| {path} | {a['p50_us']:.0f} µs | {a['p99_us']:.0f} µs | {a['throughput']:.0f}/s "
                   f"| {b['throughput']:.0f}/s | {b['p50_us']:.0f} µs | {b['p99_us']:.0f} µs |")
    out.append("")
    if "direct" in many and "gateway" in many:
        r = many["gateway"]["throughput"] / many["direct"]["throughput"]
        out.append(f"- Gateway ÷ direct throughput at {many_label}: **{r:.2f}×** "
                   f"(issue 20's target ≥ 0.5×: {verdict(r >= 0.5)}; issue 9's ≥ 0.6×: {verdict(r >= 0.6)})")
        if "gateway-district" in many:
            d = many["gateway-district"]["throughput"] / many["direct"]["throughput"]
            out.append(f"- The same for a district officer's key (seat looked up, then remembered): **{d:.2f}×**")
    if "nginx" in many and "gateway" in many:
        r = many["gateway"]["throughput"] / many["nginx"]["throughput"]
        out.append(f"- Gateway ÷ nginx throughput at {many_label}: **{r:.2f}×** "
                   f"(issue 20's target ≥ 1.2×: {verdict(r >= 1.2)}; issue 9's ≥ 3×: {verdict(r >= 3)})")
    if "direct" in one and "gateway" in one:
        g_added = one["gateway"]["p50_us"] - one["direct"]["p50_us"]
        line = f"- Median latency added at 1 in flight: gateway **{g_added:.0f} µs**"
        if "nginx" in one:
            n_added = one["nginx"]["p50_us"] - one["direct"]["p50_us"]
            line += (f", nginx **{n_added:.0f} µs** (issue 20's target: the gateway's ≤ nginx's: "
                     f"{verdict(g_added <= n_added)})")
        out.append(line + f" (issue 9's ≤ 40 µs: {verdict(g_added <= 40)})")
    errors = [r for r in rows if r.get("benchmark") == "forwarding" and r.get("error")]
    for e in errors:
        out.append(f"- {e.get('path', '')}: {e['error']}")
    return out


def http_json(rows):
    out = ["### 1b. HTTP/JSON on keep-alive connections beside gRPC, through the gateway", "",
           "GetProgress of a district through the gateway: over gRPC, and as "
           "`GET /v1/units/002/progress` on connections kept alive (one request at a time on "
           "each, as browsers and REST clients send them).", "",
           "| path | 1 connection: p50 | p99 | throughput | 32 connections: throughput | p50 | p99 |",
           "|---|---|---|---|---|---|---|"]

    def median_round(name, many):
        runs = [r for r in rows if r.get("benchmark") == "http" and r.get("name") == name
                and (r.get("concurrency", 1) > 1) == many]
        runs.sort(key=lambda r: r["throughput"])
        return runs[len(runs) // 2] if runs else None
    got = {}
    for name in ("GetProgress/grpc", "GetProgress/http"):
        a, b = median_round(name, False), median_round(name, True)
        if not a or not b:
            continue
        got[name] = (a, b)
        out.append(f"| {name.split('/')[1]} | {a['p50_us']:.0f} µs | {a['p99_us']:.0f} µs "
                   f"| {a['throughput']:.0f}/s | {b['throughput']:.0f}/s | {b['p50_us']:.0f} µs "
                   f"| {b['p99_us']:.0f} µs |")
    out.append("")
    if len(got) == 2:
        r1 = got["GetProgress/http"][0]["throughput"] / got["GetProgress/grpc"][0]["throughput"]
        r32 = got["GetProgress/http"][1]["throughput"] / got["GetProgress/grpc"][1]["throughput"]
        out.append(f"- HTTP/JSON ÷ gRPC at 1 connection: **{r1:.2f}×** (target ≥ 0.5×: {verdict(r1 >= 0.5)}); "
                   f"at 32: **{r32:.2f}×**")
    for r in rows:
        if r.get("benchmark") == "http" and r.get("first_error"):
            out.append(f"- {r['name']} ({r['concurrency']}): {r['first_error']}")
            break
    return out


def per_backend(runs):
    out = ["### 2. Bulk import against the sqlite3 shell's `.import`", "",
           "| backend | rows | batch | ours | sqlite3 `.import` | ratio (target ≥ 0.5) |",
           "|---|---|---|---|---|---|"]
    for backend, rows in runs:
        r = pick(rows, "import")
        if r:
            out.append(f"| {backend} | {r['rows']:,} | {r['batch']} | {r['rows_per_s']:,.0f} rows/s "
                       f"({r['seconds']:.2f} s) | {r['sqlite3_rows_per_s']:,.0f} rows/s "
                       f"({r['sqlite3_seconds']:.2f} s) | {r['ratio']:.2f} {verdict(r['ratio'] >= 0.5)} |")
    by = dict(runs)

    def across(benchmark, key, what, target):
        a = pick(by.get("SQLite", []), benchmark)
        b = pick(by.get("PostgreSQL", []), benchmark)
        if not a or not b:
            return []
        r = b[key] / a[key]
        return ["", f"- PostgreSQL ÷ SQLite {what}: **{r:.2f}×** "
                f"(issue 20's target ≥ {target}×: {verdict(r >= target)})"]
    out += across("import", "rows_per_s", "import rate, same rows", 0.5)
    out += ["", "### 3. Durable single writes: CreateOrganization, 64 clients", "",
            "| backend | calls | errors | throughput | p50 | p99 |", "|---|---|---|---|---|---|"]
    for backend, rows in runs:
        r = pick(rows, "writes")
        if r:
            out.append(f"| {backend} | {r['ok']:,} | {r['errors']} | {r['throughput']:,.0f}/s "
                       f"| {r['p50_us'] / 1000:.1f} ms | {r['p99_us'] / 1000:.1f} ms |")
    out += across("writes", "throughput", "durable writes", 1.0)
    out += ["", "### 3b. Reads beside writes: GetEnterprise (4 in flight) while 32 clients update "
            "enterprises", "",
            "The registry's reads on connections of their own (`own`, the default) and on the "
            "writer's one connection (`shared`: `--sqlite_readers=0`, as before issue 20), "
            "one after the other in the same run.", "",
            "| backend | reads on | GetEnterprise p50 | p99 | reads/s | UpdateEnterprise writes/s | p99 |",
            "|---|---|---|---|---|---|---|"]
    for backend, rows in runs:
        for readers in ("shared", "own"):
            rd = pick(rows, "mixed", name="GetEnterprise", readers=readers)
            wr = pick(rows, "mixed", name="UpdateEnterprise", readers=readers)
            if rd and wr:
                out.append(f"| {backend} | {readers} | {rd['p50_us']:.0f} µs | {rd['p99_us']:.0f} µs "
                           f"| {rd['throughput']:,.0f}/s | {wr['throughput']:,.0f}/s "
                           f"| {wr['p99_us'] / 1000:.1f} ms |")
    out += ["", "### 4. Reports at scale", "",
            "| backend | enterprises | organizations | GetProgress p50 / p99 (≤ 2 ms) "
            "| RankUnits p50 / p99 (≤ 10 ms) | freshness p50 / p99 (≤ 100 ms) |",
            "|---|---|---|---|---|---|"]
    for backend, rows in runs:
        p, k, f = pick(rows, "reports", name="GetProgress"), pick(rows, "reports", name="RankUnits"), \
            pick(rows, "reports", name="freshness")
        if p and k and f:
            out.append(
                f"| {backend} | {p['enterprises_imported']:,} | {p['organizations_founded']:,} "
                f"| {p['p50_us'] / 1000:.2f} / {p['p99_us'] / 1000:.2f} ms {verdict(p['p99_us'] <= 2000)} "
                f"| {k['p50_us'] / 1000:.2f} / {k['p99_us'] / 1000:.2f} ms {verdict(k['p99_us'] <= 10000)} "
                f"| {f['p50_ms']:.2f} / {f['p99_ms']:.2f} ms {verdict(f['p99_ms'] <= 100)} |")
    return out


def memory_and_start(rows):
    out = ["### 5. Memory", "",
           "Resident set (RSS), its proportional share (PSS: shared library pages divided among "
           "the processes that map them) and the process's own anonymous memory.", "",
           "| service | idle, after the demo seed: RSS (≤ 30 MB) | PSS | anonymous "
           "| after the loads above: RSS | PSS | anonymous |", "|---|---|---|---|---|---|---|"]

    def mb(r, key):
        return f"{r[key] / 1024:.1f} MB" if r and r.get(key, -1) >= 0 else ""
    for svc in ("registry", "quota", "reporting", "gateway"):
        idle = pick(rows, "memory", state="idle", service=svc)
        loaded = pick(rows, "memory", state="loaded", service=svc)
        if idle:
            out.append(f"| {svc} | {mb(idle, 'rss_kb')} {verdict(idle['rss_kb'] / 1024 <= 30)} "
                       f"| {mb(idle, 'pss_kb')} | {mb(idle, 'anon_kb')} | {mb(loaded, 'rss_kb')} "
                       f"| {mb(loaded, 'pss_kb')} | {mb(loaded, 'anon_kb')} |")
    out += ["", "### 6. Start and rebuild", "", "| service | exec to SERVING (demo data) |", "|---|---|"]
    for svc in ("registry", "quota", "reporting", "gateway"):
        r = pick(rows, "start", service=svc)
        if r:
            out.append(f"| {svc} | {r['to_serving_ms']:.0f} ms |")
    r = pick(rows, "rebuild")
    if r:
        events = int(r["feed_events"])
        took = (f"built beside the live model (which served throughout) and swapped in after "
                f"**{r['caught_up_s']:.2f} s**" if r.get("swapped") else
                f"caught up in **{r['caught_up_s']:.2f} s**")
        out += ["", f"- Reporting with `--rebuild` replayed **{events:,}** feed events "
                f"({r['enterprises_imported']:,} enterprises, {r['organizations_founded']:,} organizations), "
                f"{took} (SERVING after {r['to_serving_s']:.2f} s). "
                f"Target for 3,000,000 events: ≤ 10 s; at this rate that is "
                f"≈ {3e6 / max(1, events) * r['caught_up_s']:.1f} s (extrapolated, not measured)."]
    r = pick(rows, "rebuild_fixture")
    if r and r.get("ok"):
        out += [f"- At scale (`rebuild_fixture`): a registry of **{r['events']:,}** feed events, "
                f"written through its store in {r['fixture_write_s']:.1f} s; the live model followed "
                f"them in {r['live_follow_s']:.1f} s; `--rebuild` built the new model beside it and "
                f"swapped it in after **{r['rebuild_to_swap_s']:.2f} s** "
                f"({r['events_per_s']:,.0f} events/s). Target for 3,000,000 events: ≤ 10 s: "
                + (verdict(r['rebuild_to_swap_s'] <= 10) if r['events'] >= 3e6 else
                   f"≈ {3e6 / r['events_per_s']:.1f} s at this pace (extrapolated; "
                   f"`./scripts/bench --full` measures it)") + "."]
    elif r:
        out += [f"- At scale (`rebuild_fixture`): **failed** ({r.get('error', 'see the raw results')})."]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doc", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("runs", nargs="+", help="backend=FILE")
    args = ap.parse_args()
    runs = [(r.split("=", 1)[0], load(r.split("=", 1)[1])) for r in args.runs]
    first = runs[0][1]
    lines = ["<!-- bench:begin (written by ./scripts/bench; edit bench/report.py, not this) -->", "",
             args.meta, ""]
    lines += forwarding(first) + [""] + http_json(first) + [""] + per_backend(runs) + [""] + memory_and_start(first)
    lines += ["", "<!-- bench:end -->"]
    with open(args.doc, encoding="utf-8") as f:
        doc = f.read()
    block = "\n".join(lines)
    pattern = re.compile(r"<!-- bench:begin.*?<!-- bench:end -->", re.S)
    doc = pattern.sub(lambda _: block, doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + block + "\n"
    with open(args.doc, "w", encoding="utf-8") as f:
        f.write(doc)


if __name__ == "__main__":
    main()

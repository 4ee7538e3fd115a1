#!/usr/bin/env python3
"""Times `secrets` against `sops` on the same files and the same age key.

Cases: encrypt, decrypt, set of one value, edit with a no-op editor, and 100 small files in
one command (secrets) against a loop (sops). Reports medians of several runs, peak RSS, and
the ratio sops/secrets, as a Markdown table (BENCHMARKS.md by default).

usage: compare.py [--quick] [--runs N] [--sizes 10,1000,...] [--out FILE]
Environment: SECRETS_BIN (default target/release/secrets), SOPS_BIN (default: sops on PATH).
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = os.path.join(ROOT, "tests/data/fixtures/sops/age-key.txt")
RECIPIENT = "age14h2ppxt2azygykrchuwj7pc79wg2k3kdgm3e3jxv8qqm905p09qq7nwkk9"
FORMATS = {"yaml": "yaml", "json": "json", "env": "dotenv", "toml": "toml"}


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("SOPS_")}
    e.update(SOPS_AGE_KEY_FILE=KEY, SOPS_DISABLE_VERSION_CHECK="1", EDITOR="true", SOPS_EDITOR="true")
    return e


def run(cmd, stdout=None, ok_codes=(0,), prefix=()):
    """Runs cmd once (behind `prefix`); returns its wall time in seconds."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        p = subprocess.run(list(prefix) + cmd, stdout=stdout or subprocess.DEVNULL, stderr=err, env=env())
        elapsed = time.perf_counter() - start
        if p.returncode not in ok_codes:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {err.read().decode()[-400:]}")
    return elapsed


def once(make_cmd, setup=None, stdout_to=None, ok_codes=(0,), rss=False):
    """One run: its wall time in seconds, or with `rss` its peak RSS in KiB under
    /usr/bin/time (kept out of the timed runs: it costs milliseconds of its own)."""
    if setup:
        setup()
    out = open(stdout_to, "wb") if stdout_to else None
    try:
        if not rss:
            return run(make_cmd(), out, ok_codes)
        with tempfile.NamedTemporaryFile("r") as f:
            run(make_cmd(), out, ok_codes, ["/usr/bin/time", "-f", "%M", "-o", f.name])
            return int((f.read().strip().splitlines() or ["0"])[-1])
    finally:
        if out:
            out.close()


def measure(make_cmd, runs, **job):
    """Median wall time of `runs` runs, and the peak RSS in KiB of one more run."""
    times = [once(make_cmd, **job) for _ in range(runs)]
    return statistics.median(times), once(make_cmd, rss=True, **job)


def side_by_side(jobs, runs):
    """measure() of each tool's job ({tool: (make_cmd, options)}), the tools' runs taken in
    turn (A, B, A, B, ...) so that a machine whose speed drifts slows both alike; a tool
    that cannot do the case gets None (shown as n/a)."""
    times = {tool: [] for tool in jobs}
    results = {}
    for i in range(runs + 1):
        for tool, (make_cmd, job) in jobs.items():
            if tool in results:
                continue
            try:
                r = once(make_cmd, rss=i == runs, **job)
            except RuntimeError as e:
                print(f"  n/a: {str(e).splitlines()[0][:200]}", file=sys.stderr)
                results[tool] = None
                continue
            if i < runs:
                times[tool].append(r)
            else:
                results[tool] = (statistics.median(times[tool]), r)
    return results


def supports(binary, *args):
    return subprocess.run([binary, *args, "--help"], capture_output=True, env=env()).returncode == 0


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smallest size, one run (checks the script works)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="10,1000,10000,100000")
    ap.add_argument("--growth", default="10000,100000,1000000",
                    help="sizes of the YAML files whose decryption shows how memory grows (secrets alone)")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = ap.parse_args()
    sizes = [10] if args.quick else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else args.runs
    secrets = os.environ.get("SECRETS_BIN", os.path.join(ROOT, "target/release/secrets"))
    sops = os.environ.get("SOPS_BIN") or shutil.which("sops")
    if not os.path.exists(secrets):
        sys.exit(f"{secrets} not found: run `cargo build --release` or set SECRETS_BIN")
    if not sops:
        sys.exit("sops not found: run ./scripts/test.sh once (it installs sops into .venv) and put .venv/bin on PATH")
    work = tempfile.mkdtemp(prefix="secrets-bench-")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench/gen.py"), work] + [str(n) for n in sizes], check=True)
    rows = []
    tools = {"secrets": secrets, "sops": sops}

    def row(case, fmt, n, results):
        s, o = results.get("secrets"), results.get("sops")
        ratio = f"{o[0] / s[0]:.1f}×" if s and o else "n/a"
        cell = lambda r: f"{r[0] * 1000:.1f}" if r else "n/a"
        mem = lambda r: f"{r[1] / 1024:.1f}" if r else "n/a"
        rows.append(f"| {case} | {fmt} | {n} | {cell(s)} | {cell(o)} | {ratio} | {mem(s)} | {mem(o)} |")
        print(rows[-1], flush=True)

    for n in sizes:
        for ext, fmt in FORMATS.items():
            plain = os.path.join(work, f"{n}.{ext}")
            enc = {t: os.path.join(work, f"{n}.{t}.enc.{ext}") for t in tools}
            jobs = {}
            for tool, binary in tools.items():
                if tool == "sops" and fmt == "toml":
                    continue  # sops cannot encrypt TOML
                cmd = lambda b=binary: [b, "encrypt", "--input-type", fmt, "--output-type", fmt, "--age", RECIPIENT, plain]
                jobs[tool] = (cmd, {"stdout_to": enc[tool]})
            row("encrypt", fmt, n, side_by_side(jobs, runs))
            jobs = {}
            for tool, binary in tools.items():
                if not os.path.exists(enc[tool]) or os.path.getsize(enc[tool]) == 0:
                    continue
                jobs[tool] = (lambda b=binary, t=tool: [b, "decrypt", "--input-type", fmt, "--output-type", fmt, enc[t]], {})
            row("decrypt", fmt, n, side_by_side(jobs, runs))
            if fmt == "toml":
                continue
            for case, argv, codes in [
                ("set", lambda f: ["set", f, '["KEY_0"]' if fmt == "dotenv" else '["service0"]["key0"]', '"changed"'], (0,)),
                ("edit (no-op)", lambda f: ["edit", f], (0, 200)),
            ]:
                jobs = {}
                for tool, binary in tools.items():
                    if tool == "secrets" and not supports(binary, argv("x")[0]):
                        continue
                    target = os.path.join(work, f"target.{tool}.{ext}")
                    setup = lambda t=tool, target=target: shutil.copyfile(enc[t], target)
                    cmd = lambda b=binary, target=target: [b] + argv(target)[:1] + ["--input-type", fmt] + argv(target)[1:]
                    jobs[tool] = (cmd, {"setup": setup, "ok_codes": codes})
                row(case, fmt, n, side_by_side(jobs, runs))

    # Many small files: one command against a loop.
    files = os.path.join(work, "many")
    os.makedirs(files, exist_ok=True)
    for i in range(100):
        shutil.copyfile(os.path.join(work, f"{sizes[0]}.yaml"), os.path.join(files, f"p{i}.yaml"))
    for i in range(100):
        with open(os.path.join(files, f"e{i}.yaml"), "wb") as out:
            subprocess.run([secrets, "encrypt", "--age", RECIPIENT, os.path.join(files, f"p{i}.yaml")], stdout=out, check=True, env=env())
    encs = [os.path.join(files, f"e{i}.yaml") for i in range(100)]
    jobs = {}
    outdir = os.path.join(work, "out")
    if supports(secrets, "decrypt") and subprocess.run([secrets, "decrypt", "--help"], capture_output=True).stdout.find(b"--output-dir") >= 0:
        jobs["secrets"] = (lambda: [secrets, "decrypt", "--output-dir", outdir] + encs, {})
    loop = "for f in \"$@\"; do \"$0\" decrypt \"$f\" >/dev/null || exit 1; done"
    jobs["sops"] = (lambda: ["sh", "-c", loop, sops] + encs, {})
    row("decrypt 100 files", "yaml", f"100×{sizes[0]}", side_by_side(jobs, runs))

    # How time and memory grow with the input (secrets alone: sops takes minutes at 1M).
    growth = []
    for n in ([] if args.quick else [int(g) for g in args.growth.split(",")]):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench/gen.py"), work, str(n)], check=True)
        plain, enc = os.path.join(work, f"{n}.yaml"), os.path.join(work, f"growth-{n}.enc.yaml")
        with open(enc, "wb") as out:
            subprocess.run([secrets, "encrypt", "--age", RECIPIENT, plain], stdout=out, check=True, env=env())
        t, kib = measure(lambda: [secrets, "decrypt", enc], 1)
        mb = os.path.getsize(enc) / 1e6
        growth.append(f"| {n} | {mb:.1f} | {t * 1000:.0f} | {mb / t:.0f} | {kib / 1024:.1f} | {kib / 1024 / mb:.1f} |")
        print(growth[-1], flush=True)
    if growth:
        rows += [
            "",
            "Growth: decrypting YAML files of more values (secrets alone, one run each).",
            "",
            "| values | encrypted MB | ms | MB/s | peak MB | peak MB per input MB |",
            "|---|---|---|---|---|---|",
        ] + growth

    header = [
        "# Benchmarks: secrets against sops",
        "",
        f"Machine: {machine()}. secrets: `{os.path.relpath(secrets, ROOT)}`; sops: `{sops}` "
        f"({subprocess.run([sops, '--version', '--disable-version-check'], capture_output=True, text=True).stdout.splitlines()[0] if sops else ''}).",
        f"Median wall time of {runs} run(s) each, the two tools' runs taken in turn; peak RSS from one more run under `/usr/bin/time`. Same files, same age key. "
        "Produced by `bench/compare.sh`" + (" --quick" if args.quick else "") + ".",
        "",
        "| case | format | values | secrets ms | sops ms | sops/secrets | secrets MB | sops MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(header + rows) + "\n")
    shutil.rmtree(work)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

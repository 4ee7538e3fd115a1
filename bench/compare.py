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


def timed(cmd, stdout=None, ok_codes=(0,)):
    """Runs cmd once; returns (seconds, peak RSS in KiB)."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd,
                           stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE, env=env())
        elapsed = time.perf_counter() - start
        if p.returncode not in ok_codes:
            raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.decode()[-400:]}")
        kib = int((rss.read().strip().splitlines() or ["0"])[-1])
    return elapsed, kib


def measure(make_cmd, runs, setup=None, stdout_to=None, ok_codes=(0,)):
    times, peak = [], 0
    for _ in range(runs):
        if setup:
            setup()
        out = open(stdout_to, "wb") if stdout_to else None
        try:
            t, kib = timed(make_cmd(), stdout=out, ok_codes=ok_codes)
        finally:
            if out:
                out.close()
        times.append(t)
        peak = max(peak, kib)
    return statistics.median(times), peak


def attempt(*a, **k):
    """measure(), or None (shown as n/a) when the tool cannot do the case."""
    try:
        return measure(*a, **k)
    except RuntimeError as e:
        print(f"  n/a: {str(e).splitlines()[0][:200]}", file=sys.stderr)
        return None


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
            results = {}
            for tool, binary in tools.items():
                if tool == "sops" and fmt == "toml":
                    continue  # sops cannot encrypt TOML
                cmd = lambda b=binary: [b, "encrypt", "--input-type", fmt, "--output-type", fmt, "--age", RECIPIENT, plain]
                results[tool] = attempt(cmd, runs, stdout_to=enc[tool])
            row("encrypt", fmt, n, results)
            results = {}
            for tool, binary in tools.items():
                if not os.path.exists(enc[tool]) or os.path.getsize(enc[tool]) == 0:
                    continue
                results[tool] = attempt(lambda b=binary, t=tool: [b, "decrypt", "--input-type", fmt, "--output-type", fmt, enc[t]], runs)
            row("decrypt", fmt, n, results)
            if fmt == "toml":
                continue
            for case, argv, codes in [
                ("set", lambda f: ["set", f, '["KEY_0"]' if fmt == "dotenv" else '["service0"]["key0"]', '"changed"'], (0,)),
                ("edit (no-op)", lambda f: ["edit", f], (0, 200)),
            ]:
                results = {}
                for tool, binary in tools.items():
                    if tool == "secrets" and not supports(binary, argv("x")[0]):
                        continue
                    target = os.path.join(work, f"target.{ext}")
                    setup = lambda t=tool: shutil.copyfile(enc[t], target)
                    results[tool] = attempt(lambda b=binary: [b] + argv(target)[:1] + ["--input-type", fmt] + argv(target)[1:],
                                            runs, setup=setup, ok_codes=codes)
                row(case, fmt, n, results)

    # Many small files: one command against a loop.
    files = os.path.join(work, "many")
    os.makedirs(files, exist_ok=True)
    for i in range(100):
        shutil.copyfile(os.path.join(work, f"{sizes[0]}.yaml"), os.path.join(files, f"p{i}.yaml"))
    for i in range(100):
        with open(os.path.join(files, f"e{i}.yaml"), "wb") as out:
            subprocess.run([secrets, "encrypt", "--age", RECIPIENT, os.path.join(files, f"p{i}.yaml")], stdout=out, check=True, env=env())
    encs = [os.path.join(files, f"e{i}.yaml") for i in range(100)]
    results = {}
    outdir = os.path.join(work, "out")
    if supports(secrets, "decrypt") and subprocess.run([secrets, "decrypt", "--help"], capture_output=True).stdout.find(b"--output-dir") >= 0:
        results["secrets"] = attempt(lambda: [secrets, "decrypt", "--output-dir", outdir] + encs, runs)
    loop = "for f in \"$@\"; do \"$0\" decrypt \"$f\" >/dev/null || exit 1; done"
    results["sops"] = attempt(lambda: ["sh", "-c", loop, sops] + encs, runs)
    row("decrypt 100 files", "yaml", f"100×{sizes[0]}", results)

    header = [
        "# Benchmarks: secrets against sops",
        "",
        f"Machine: {machine()}. secrets: `{secrets}`; sops: `{sops}` "
        f"({subprocess.run([sops, '--version', '--disable-version-check'], capture_output=True, text=True).stdout.splitlines()[0] if sops else ''}).",
        f"Median of {runs} run(s) each; peak RSS from `/usr/bin/time`. Same files, same age key. "
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

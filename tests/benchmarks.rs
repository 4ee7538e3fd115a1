//! The benchmark script runs (on its smallest size: timing is never a test) and writes its
//! table, every case measured for both tools.

mod common;

use std::process::Command;

use common::*;

#[test]
fn the_benchmark_script_measures_every_case_against_sops() {
    let Some(sops) = tool("sops") else { return };
    let sandbox = Sandbox::new();
    let out = sandbox.path("BENCHMARKS.md");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/compare.sh");
    ok(run(Command::new(script)
        .arg("--quick")
        .arg("--out")
        .arg(&out)
        .env("SECRETS_BIN", env!("CARGO_BIN_EXE_secrets"))
        .env("SOPS_BIN", &sops)));
    let table = String::from_utf8(read(&out)).unwrap();
    assert!(
        table.starts_with("# Benchmarks: secrets against sops"),
        "{table}"
    );
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| ")).collect();
    for case in ["encrypt", "decrypt", "set", "edit (no-op)"] {
        for format in ["yaml", "json", "dotenv"] {
            let row = rows
                .iter()
                .find(|r| r.starts_with(&format!("| {case} | {format} | 10 |")))
                .unwrap_or_else(|| panic!("no row for {case} {format}:\n{table}"));
            // Both tools measured: a ratio and both peaks of memory.
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            assert!(cells[6].ends_with('×'), "{row}");
            assert!(
                cells[7].parse::<f64>().is_ok() && cells[8].parse::<f64>().is_ok(),
                "{row}"
            );
        }
    }
    assert!(
        rows.iter()
            .any(|r| r.starts_with("| decrypt 100 files | yaml | 100×10 |") && r.contains('×')),
        "{table}"
    );
}

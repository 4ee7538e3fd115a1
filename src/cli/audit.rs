//! `secrets audit`: the production checklist, checked on a repository.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use secrets::audit::{self, access, sarif, Audit, Severity};
use secrets::config::Discovered;

use super::{git, keyring, warn, Globals};

/// Audit a git repository for the common mistakes with secret files
///
/// Reports, each with its fix: files a .sops.yaml creation rule covers but that are in
/// plaintext; tracked .env files in plaintext; secrets in plaintext (the detectors of `secrets
/// check`), and with --history in every reachable commit; one key reading both production
/// and non-production files (rules whose path_regex names prod vs dev/staging/test); data keys
/// older than --max-age; keys a file lists but its rule no longer names; encrypted files whose
/// MAC fails (when a key is available) or that sops cannot read. Then prints the access map:
/// who can decrypt each encrypted file. Exits 1 when a finding is at or above --fail-on.
#[derive(clap::Args)]
pub struct Args {
    /// The repository, or a directory in it to audit (default: the current directory)
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,
    /// Scan every blob of every reachable commit for secrets too
    #[arg(long)]
    history: bool,
    /// Report data keys older than this: days, or a number with d (days), w (weeks), y (years)
    #[arg(long, default_value = "90d", value_name = "AGE", value_parser = parse_age)]
    max_age: i64,
    /// Exit 1 when a finding has at least this severity
    #[arg(long, value_enum, default_value = "error", value_name = "SEVERITY")]
    fail_on: FailOn,
    /// How to print the report
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    format: ReportFormat,
    /// Key types to try first, comma-separated (e.g. age,pgp)
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
}

/// Output formats of `audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// Findings with their fixes, then the access map as a table
    Text,
    /// One JSON object: {"summary", "findings": [...], "access": [...]}
    Json,
    /// SARIF 2.1.0, for code-scanning services
    Sarif,
}

/// The lowest severity that fails the audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Any finding
    Note,
    /// Warnings and errors
    Warning,
    /// Errors only
    Error,
    /// Never fail
    Never,
}

/// `90d`, `12w`, `1y`, `30`: seconds.
fn parse_age(s: &str) -> Result<i64, String> {
    let (number, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_lowercase()),
        _ => (s, 'd'),
    };
    let days: i64 = match unit {
        'd' => 1,
        'w' => 7,
        'y' => 365,
        _ => return Err(format!("unknown unit {unit:?}: use d, w or y")),
    };
    number
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(|n| n * days * 86_400)
        .ok_or_else(|| format!("{s:?} is not an age such as 90d, 12w or 1y"))
}

pub fn run(args: Args, globals: &Globals) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().context("cannot tell the current directory")?;
    let scope = std::path::absolute(cwd.join(args.path.as_deref().unwrap_or(".".as_ref())))?;
    let top = git::toplevel(&scope).ok_or_else(|| {
        secrets::Error::Conflict(format!(
            "{} is not in a git repository: audit works on a repository",
            scope.display()
        ))
    })?;
    let discovered = Discovered::new(globals.config.as_deref(), &scope)?;
    warn(&discovered.warnings);
    let keyring = keyring(args.decryption_order.as_deref())?;
    let options = audit::Options {
        max_age_secs: args.max_age,
        now: secrets::timestamp::Timestamp::now().unix(),
        history: args.history,
    };
    let bar = (args.history && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template("history {bar:40} {pos}/{len} blobs") {
            bar.set_style(style);
        }
        bar
    });
    let mut progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let report = audit::audit(
        &top,
        &scope,
        discovered.config.as_ref(),
        &keyring,
        &options,
        &mut progress,
    )?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match args.format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report.to_json())?),
        ReportFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&sarif::to_sarif(&report))?
        ),
        ReportFormat::Text => print_text(&report),
    }
    let threshold = match args.fail_on {
        FailOn::Note => Some(Severity::Note),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Error => Some(Severity::Error),
        FailOn::Never => None,
    };
    let failing = threshold.map_or(0, |t| {
        report.findings.iter().filter(|f| f.severity >= t).count()
    });
    if failing > 0 {
        anyhow::bail!(
            "{failing} finding(s) at or above --fail-on {}",
            args.fail_on
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_string())
        );
    }
    Ok(())
}

fn print_text(report: &Audit) {
    for f in &report.findings {
        let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
        let commit = f
            .commit
            .as_deref()
            .map(|c| format!(" (commit {})", &c[..c.len().min(12)]))
            .unwrap_or_default();
        println!(
            "{}[{}] {}{line}{commit}: {}\n    fix: {}",
            f.severity.name(),
            f.rule,
            f.file,
            f.message,
            f.fix
        );
    }
    if !report.access.is_empty() {
        if !report.findings.is_empty() {
            println!();
        }
        println!("Access map (who can decrypt each encrypted file):");
        print!("{}", access::table(&report.access));
    }
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let history = report
        .history
        .as_ref()
        .map(|h| format!("; history: {} commits, {} blobs", h.commits, h.blobs))
        .unwrap_or_default();
    eprintln!(
        "secrets: audit: {} files{history}: {} errors, {} warnings, {} notes",
        report.files,
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note)
    );
}

//! The secret scanner measured on a labelled set: planted secrets of every kind it knows, in
//! the syntaxes they appear in (dotenv, YAML, JSON, code, shell), as positives, and the
//! corpus of real configuration files as negatives. Set `SCAN_SET_DIR=DIR` to also write
//! the set (and `labels.tsv`) there, for comparing other scanners
//! (`scripts/scan-benchmark.py` runs detect-secrets on it).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use secrets::scan::scan;

/// A small deterministic generator, so the set is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..n)
            .map(|_| chars[(self.next() % chars.len() as u64) as usize])
            .collect()
    }
}

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const HEX: &str = "0123456789abcdef";
const BECH32: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
const MIXED: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%^*-_+=";

/// A planted secret: the name it is assigned to, and its value.
fn planted(kind: usize, r: &mut Rng) -> (&'static str, String) {
    match kind {
        0 => (
            "aws_access_key_id",
            format!("AKIA{}", r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
        ),
        1 => ("aws_secret_access_key", r.pick(B64, 40)),
        2 => ("github_token", format!("ghp_{}", r.pick(ALNUM, 36))),
        3 => ("token", format!("github_pat_{}", r.pick(ALNUM, 82))),
        4 => ("gitlab_token", format!("glpat-{}", r.pick(URLSAFE, 20))),
        5 => (
            "slack",
            format!(
                "xoxb-{}-{}-{}",
                r.pick("0123456789", 12),
                r.pick("0123456789", 13),
                r.pick(ALNUM, 24)
            ),
        ),
        6 => (
            "webhook",
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                r.pick(UPPER, 8),
                r.pick(UPPER, 10),
                r.pick(ALNUM, 24)
            ),
        ),
        7 => ("stripe", format!("sk_live_{}", r.pick(ALNUM, 24))),
        8 => ("maps_key", format!("AIza{}", r.pick(URLSAFE, 35))),
        9 => ("openai", format!("sk-proj-{}", r.pick(URLSAFE, 64))),
        10 => (
            "sendgrid",
            format!("SG.{}.{}", r.pick(URLSAFE, 22), r.pick(URLSAFE, 43)),
        ),
        11 => ("npm", format!("npm_{}", r.pick(ALNUM, 36))),
        12 => ("twilio", format!("SK{}", r.pick(HEX, 32))),
        13 => ("vault", format!("hvs.{}", r.pick(URLSAFE, 90))),
        14 => ("do", format!("dop_v1_{}", r.pick(HEX, 64))),
        15 => ("age_key", format!("AGE-SECRET-KEY-1{}", r.pick(BECH32, 58))),
        16 => (
            "jwt",
            format!(
                "eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}",
                r.pick(URLSAFE, 40),
                r.pick(URLSAFE, 43)
            ),
        ),
        17 => (
            "database_url",
            format!("postgres://app:{}@db.internal:5432/app", r.pick(ALNUM, 16)),
        ),
        18 => ("DB_PASSWORD", r.pick(MIXED, 18)),
        19 => ("client_secret", r.pick(HEX, 32)),
        20 => ("api_key", r.pick(ALNUM, 32)),
        21 => (
            "storage",
            format!(
                "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={}==",
                r.pick(B64, 86)
            ),
        ),
        _ => unreachable!(),
    }
}

const KINDS: usize = 22;

/// A private key block, a positive on its BEGIN line.
fn private_key(r: &mut Rng, kind: &str) -> String {
    let body: Vec<String> = (0..6).map(|_| r.pick(B64, 64)).collect();
    format!(
        "-----BEGIN {kind}PRIVATE KEY-----\n{}\n-----END {kind}PRIVATE KEY-----\n",
        body.join("\n")
    )
}

/// Files of the set, as (name, text).
type Files = Vec<(String, String)>;

/// The labelled set: files and the positive lines (file index, line).
fn labelled_set() -> (Files, BTreeSet<(usize, usize)>) {
    let mut r = Rng(0x5eed_cafe_f00d_1234);
    let mut files = Vec::new();
    let mut positives = BTreeSet::new();
    let syntaxes = [
        (
            "env",
            "# settings\nLOG_LEVEL=info\n{NAME}={VALUE}\nPORT=8080\n",
        ),
        (
            "yaml",
            "service:\n  replicas: 2\n  {name}: {VALUE}\n  image: app:1.2\n",
        ),
        (
            "json",
            "{\n  \"region\": \"eu-west-1\",\n  \"{name}\": \"{VALUE}\",\n  \"debug\": false\n}\n",
        ),
        ("py", "import os\n\n{NAME} = \"{VALUE}\"\nTIMEOUT = 30\n"),
        (
            "sh",
            "#!/bin/sh\nset -e\nexport {NAME}='{VALUE}'\nexec ./run\n",
        ),
    ];
    for kind in 0..KINDS {
        for (ext, template) in syntaxes {
            let (name, value) = planted(kind, &mut r);
            let text = template
                .replace("{NAME}", &name.to_uppercase())
                .replace("{name}", name)
                .replace("{VALUE}", &value);
            positives.insert((files.len(), 3));
            files.push((format!("planted/{kind:02}-{name}.{ext}"), text));
        }
    }
    for (i, kind) in ["RSA ", "EC ", "OPENSSH ", "", "DSA "].iter().enumerate() {
        positives.insert((files.len(), 2));
        let text = format!(
            "key: |\n{}",
            private_key(&mut r, kind)
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>()
        );
        files.push((format!("planted/key-{i}.yaml"), text));
    }
    for dir in ["yaml", "json", "dotenv", "ini", "toml"] {
        for path in common::corpus(dir) {
            let text = String::from_utf8_lossy(&common::read(&path)).into_owned();
            files.push((format!("corpus/{dir}/{}", common::name(&path)), text));
        }
    }
    (files, positives)
}

#[test]
fn scanner_precision_and_recall() {
    let (files, positives) = labelled_set();
    if let Some(dir) = std::env::var_os("SCAN_SET_DIR").map(PathBuf::from) {
        let mut labels = String::new();
        for (i, (name, text)) in files.iter().enumerate() {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            for (_, line) in positives.range((i, 0)..(i + 1, 0)) {
                labels.push_str(&format!("{name}\t{line}\n"));
            }
        }
        std::fs::write(dir.join("labels.tsv"), labels).unwrap();
    }
    let mut found = BTreeSet::new();
    let mut false_positives = Vec::new();
    for (i, (name, text)) in files.iter().enumerate() {
        for f in scan(text.as_bytes()) {
            if positives.contains(&(i, f.line)) {
                found.insert((i, f.line));
            } else {
                false_positives.push(format!("{name}:{}: {}", f.line, f.detector.id));
            }
        }
    }
    let tp = found.len() as f64;
    let recall = tp / positives.len() as f64;
    let precision = tp / (tp + false_positives.len() as f64);
    let missed: Vec<&String> = positives
        .difference(&found)
        .map(|(i, _)| &files[*i].0)
        .collect();
    eprintln!(
        "scanner: {} positives, {} negative files; recall {recall:.3}, precision {precision:.3}\nmissed: {missed:?}\nfalse positives: {false_positives:?}",
        positives.len(),
        files.len() - positives.len()
    );
    assert!(recall >= 0.95, "recall {recall:.3}; missed {missed:?}");
    assert!(
        precision >= 0.95,
        "precision {precision:.3}; false positives {false_positives:?}"
    );
}

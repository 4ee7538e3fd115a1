//! Benchmarks of the hot paths: one value's cipher, the MAC, each format's parse, whole-file
//! encrypt and decrypt (which render every value), and unwrapping an age data key.
//!
//! `cargo bench` runs them; `bench/compare.sh` times the whole binary against sops.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use secrets::crypto::{DataKey, Iv, Mac, ValueCipher};
use secrets::decrypt::{decrypt, DecryptOptions};
use secrets::encrypt::{encrypt, EncryptOptions, Keys};
use secrets::format::FileFormat;
use secrets::keys::age::{AgeIdentities, AgeRecipient};
use secrets::keys::{Identity, Recipient};

/// Values per generated file.
const VALUES: usize = 1000;

/// A file of `n` values in `format`: sections of ten, mixed types, a comment per section.
fn generate(format: FileFormat, n: usize) -> Vec<u8> {
    let mut out = String::new();
    let value = |i: usize| match i % 3 {
        0 => format!("\"value-{i:07}-secret\""),
        1 => i.to_string(),
        _ => "true".to_string(),
    };
    match format {
        FileFormat::Json => {
            out.push('{');
            for s in 0..n / 10 {
                let fields: Vec<String> = (0..10)
                    .map(|k| format!("\n    \"key{k}\": {}", value(s * 10 + k)))
                    .collect();
                let sep = if s == 0 { "" } else { "," };
                out.push_str(&format!(
                    "{sep}\n  \"section{s}\": {{{}\n  }}",
                    fields.join(",")
                ));
            }
            out.push_str("\n}\n");
        }
        _ => {
            for i in 0..n {
                let (s, k) = (i / 10, i % 10);
                match format {
                    FileFormat::Yaml => {
                        if k == 0 {
                            out.push_str(&format!("# section {s}\nsection{s}:\n"));
                        }
                        out.push_str(&format!("  key{k}: {}\n", value(i)));
                    }
                    FileFormat::Dotenv => {
                        if k == 0 {
                            out.push_str(&format!("# section {s}\n"));
                        }
                        out.push_str(&format!("SECTION{s}_KEY{k}=value-{i:07}-secret\n"));
                    }
                    FileFormat::Toml | FileFormat::Ini => {
                        if k == 0 {
                            out.push_str(&format!("# section {s}\n[section{s}]\n"));
                        }
                        out.push_str(&format!("key{k} = {}\n", value(i)));
                    }
                    FileFormat::Json | FileFormat::Binary => unreachable!("handled above"),
                }
            }
        }
    }
    out.into_bytes()
}

const FORMATS: [(&str, FileFormat); 5] = [
    ("yaml", FileFormat::Yaml),
    ("json", FileFormat::Json),
    ("dotenv", FileFormat::Dotenv),
    ("ini", FileFormat::Ini),
    ("toml", FileFormat::Toml),
];

fn keys() -> Keys {
    let mut key = secrets::metadata::StoredKey {
        kind: "age".into(),
        fields: Default::default(),
    };
    key.fields.insert("recipient".into(), "age1bench".into());
    key.fields.insert("enc".into(), "placeholder".into());
    Keys {
        data_key: DataKey::from_slice(&[7u8; 32]).expect("32 bytes"),
        key_groups: vec![vec![key]],
    }
}

fn value_cipher(c: &mut Criterion) {
    let cipher = ValueCipher::new(&DataKey::generate());
    let iv = Iv::from_slice(&[7u8; 32]).expect("32 bytes");
    let stored = cipher.encrypt(b"a-secret-value-1234", "str", b"db:password:", &iv);
    let mut group = c.benchmark_group("value");
    group.bench_function("encrypt", |b| {
        b.iter(|| {
            cipher.encrypt(
                black_box(b"a-secret-value-1234"),
                "str",
                b"db:password:",
                &iv,
            )
        })
    });
    group.bench_function("decrypt", |b| {
        b.iter(|| {
            cipher
                .decrypt(black_box(&stored), b"db:password:")
                .expect("decrypts")
        })
    });
    group.finish();
}

fn mac(c: &mut Criterion) {
    let values: Vec<Vec<u8>> = (0..VALUES)
        .map(|i| format!("value-{i}").into_bytes())
        .collect();
    c.bench_function("mac/1000 values", |b| {
        b.iter(|| {
            let mut mac = Mac::new(false);
            for v in &values {
                mac.update(black_box(v));
            }
            mac.finish()
        })
    });
}

fn formats(c: &mut Criterion) {
    let keys = keys();
    for (name, format) in FORMATS {
        let plain = generate(format, VALUES);
        let adapter = format.format();
        let doc = adapter.parse(plain.clone()).expect("generated files parse");
        let sealed = encrypt(adapter, &doc, &keys, &EncryptOptions::default(), None)
            .expect("encrypts")
            .bytes
            .to_vec();
        let sealed_doc = adapter
            .parse(sealed.clone())
            .expect("encrypted files parse");

        let mut group = c.benchmark_group(format!("{name}/{VALUES} values"));
        group.throughput(Throughput::Bytes(sealed.len() as u64));
        group.bench_function("parse encrypted", |b| {
            b.iter_batched(
                || sealed.clone(),
                |bytes| adapter.parse(bytes).expect("parses"),
                BatchSize::LargeInput,
            )
        });
        group.bench_function("decrypt", |b| {
            b.iter(|| {
                decrypt(
                    adapter,
                    &sealed_doc,
                    &keys.data_key,
                    DecryptOptions::default(),
                )
                .expect("decrypts")
            })
        });
        group.throughput(Throughput::Bytes(plain.len() as u64));
        group.bench_function("parse plaintext", |b| {
            b.iter_batched(
                || plain.clone(),
                |bytes| adapter.parse(bytes).expect("parses"),
                BatchSize::LargeInput,
            )
        });
        group.bench_function("encrypt", |b| {
            b.iter(|| {
                encrypt(adapter, &doc, &keys, &EncryptOptions::default(), None).expect("encrypts")
            })
        });
        group.finish();
    }
}

fn age_unwrap(c: &mut Criterion) {
    let (identity, recipient) = secrets::keys::age::generate("2026-01-01T00:00:00Z");
    let stored = AgeRecipient::parse(&recipient)
        .expect("a generated recipient parses")
        .wrap(&[7u8; 32])
        .expect("wraps");
    let identities = AgeIdentities::from_text(&identity);
    c.bench_function("age/unwrap data key", |b| {
        b.iter(|| {
            identities
                .unwrap(black_box(&stored))
                .expect("the key is ours")
                .expect("unwraps")
        })
    });
}

criterion_group!(benches, value_cipher, mac, formats, age_unwrap);
criterion_main!(benches);

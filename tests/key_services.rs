//! The cloud key services against servers the tests start on 127.0.0.1: AWS KMS on
//! `moto_server`, Vault transit on an OpenBao dev server, GCP KMS and Azure Key Vault on the
//! stand-ins of `tests/standins/`. Files written by `secrets` are decrypted by the real
//! `sops` pointed at the same servers, and the other way round.

// Builds without some service compile the helpers their tests would use.
#![cfg_attr(
    not(all(
        feature = "aws-kms",
        feature = "gcp-kms",
        feature = "azure-kv",
        feature = "hc-vault"
    )),
    allow(unused)
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use std::time::Instant;

use common::servers::{self, Server};
use common::{fails_with, ok, read, run, Sandbox, RECIPIENT};
use serde_json::Value;

const PLAIN: &str =
    "{\n  \"db\": {\"user\": \"admin\", \"password\": \"hunter2\"},\n  \"token\": \"t0k3n\"\n}\n";

/// The `sops` block of a JSON file.
fn sops_block(file: &Path) -> Value {
    let v: Value = serde_json::from_slice(&read(file)).unwrap();
    v["sops"].clone()
}

/// The field names of the first entry of a key list, in order.
fn field_order(file: &Path, kind: &str) -> Vec<String> {
    sops_block(file)[kind][0]
        .as_object()
        .unwrap_or_else(|| panic!("no {kind} entry in {}", file.display()))
        .keys()
        .cloned()
        .collect()
}

/// Environment variables for a command.
type Env = Vec<(&'static str, String)>;

/// `cmd` with `env` set.
fn with(mut cmd: Command, env: &Env) -> Command {
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// `env` with more variables (later ones win).
fn plus(env: &Env, more: &[(&'static str, &str)]) -> Env {
    let mut env = env.clone();
    env.extend(more.iter().map(|(k, v)| (*k, v.to_string())));
    env
}

/// The environment of AWS KMS on moto.
fn aws(moto: &Server) -> Env {
    vec![
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_ENDPOINT_URL", moto.url()),
    ]
}

/// moto with one KMS key (its ARN), recording requests to `moto.jsonl` in the sandbox.
fn moto_with_key(sandbox: &Sandbox) -> Option<(Server, String)> {
    let moto = servers::moto(&sandbox.path("moto.jsonl"))?;
    let arn = servers::moto_key(&moto);
    Some((moto, arn))
}

#[test]
#[cfg(all(feature = "aws-kms", feature = "hc-vault"))]
fn sops_yaml_rotate_and_groups_name_kms_and_vault_keys() {
    let sandbox = Sandbox::new();
    let Some((moto, arn, _bao, uri)) = kms_and_vault(&sandbox) else {
        return;
    };
    let only_kms = aws(&moto);
    let only_vault: Env = vec![("VAULT_TOKEN", "root".into())];
    let all = plus(&only_kms, &[("VAULT_TOKEN", "root")]);

    // The flat keys of a creation rule, read by both tools into the same entries.
    sandbox.write(
        ".sops.yaml",
        format!("creation_rules:\n  - path_regex: \\.json$\n    kms: {arn}\n    hc_vault_transit_uri: {uri}\n"),
    );
    let file = secrets_encrypt(&sandbox, &all, &[], "rule.json");
    let block = sops_block(&file);
    assert_eq!(block["kms"][0]["arn"], arn.as_str());
    assert_eq!(block["hc_vault"][0]["key_name"], "k");
    assert_plain(secrets_decrypt(&sandbox, &only_kms, &file));
    assert_plain(secrets_decrypt(&sandbox, &only_vault, &file));
    if let Some(theirs) = sops_encrypt(&sandbox, &all, &[], "rule-sops.json") {
        for kind in ["kms", "hc_vault"] {
            assert_eq!(
                field_order(&theirs, kind),
                field_order(&file, kind),
                "{kind}"
            );
        }
        assert_same_data(secrets_decrypt(&sandbox, &only_kms, &theirs));
    }

    // A key group whose kms key has an encryption context.
    sandbox.write(
        ".sops.yaml",
        format!("creation_rules:\n  - key_groups:\n      - kms:\n          - arn: {arn}\n            context: {{app: web}}\n        hc_vault: [{uri}]\n"),
    );
    let grouped = secrets_encrypt(&sandbox, &all, &[], "grouped.json");
    let block = sops_block(&grouped);
    assert_eq!(
        block["kms"][0]["context"],
        serde_json::json!({"app": "web"})
    );
    assert_plain(secrets_decrypt(&sandbox, &only_kms, &grouped));
    if let Some(out) = sops_decrypt(&sandbox, &only_kms, &grouped) {
        assert_same_data(out);
    }

    // rotate --rm-kms, then --add-kms with a context: the file follows.
    let rotate = |flags: &[&str]| {
        ok(run(with(sandbox.secrets(), &all)
            .args(["rotate", "-i"])
            .args(flags)
            .arg(&file)))
    };
    rotate(&["--rm-kms", &arn]);
    assert!(
        sops_block(&file).get("kms").is_none(),
        "{}",
        sops_block(&file)
    );
    fails_with(secrets_decrypt(&sandbox, &only_kms, &file), 128);
    assert_plain(secrets_decrypt(&sandbox, &only_vault, &file));
    rotate(&["--add-kms", &arn, "--encryption-context", "team:ops"]);
    assert_eq!(
        sops_block(&file)["kms"][0]["context"],
        serde_json::json!({"team": "ops"})
    );
    assert_plain(secrets_decrypt(&sandbox, &only_kms, &file));
    if let Some(out) = sops_decrypt(&sandbox, &only_kms, &file) {
        assert_same_data(out);
    }

    // groups add --kms: a second group, a Shamir share each.
    ok(run(with(sandbox.secrets(), &all)
        .args(["groups", "add", "-i", "-f"])
        .arg(&file)
        .args(["--kms", &arn])));
    let block = sops_block(&file);
    assert_eq!(
        block["key_groups"].as_array().map(Vec::len),
        Some(2),
        "{block}"
    );
    assert_plain(secrets_decrypt(&sandbox, &all, &file));
    fails_with(secrets_decrypt(&sandbox, &only_vault, &file), 128);
}

/// moto with one KMS key and OpenBao with a transit mount: the servers, the key ARN and the
/// transit key URI (the key is made on first use).
#[cfg(all(feature = "aws-kms", feature = "hc-vault"))]
fn kms_and_vault(sandbox: &Sandbox) -> Option<(Server, String, Server, String)> {
    let (moto, arn) = moto_with_key(sandbox)?;
    let bao = servers::bao(&sandbox.path("bao-home"))?;
    servers::vault_api(
        &bao,
        "POST",
        "/v1/sys/mounts/transit",
        r#"{"type":"transit"}"#,
    );
    let uri = format!("{}/v1/transit/keys/k", bao.url());
    Some((moto, arn, bao, uri))
}

/// Encrypts the test plaintext (`plain.json`) with `secrets` and writes it to `out`.
fn secrets_encrypt(sandbox: &Sandbox, env: &Env, flags: &[&str], out: &str) -> PathBuf {
    let plain = sandbox.write("plain.json", PLAIN);
    let encrypted = ok(run(with(sandbox.secrets(), env)
        .arg("encrypt")
        .args(flags)
        .arg(&plain)));
    sandbox.write(out, encrypted)
}

/// `secrets decrypt FILE` with `env`.
fn secrets_decrypt(sandbox: &Sandbox, env: &Env, file: &Path) -> Output {
    run(with(sandbox.secrets(), env).arg("decrypt").arg(file))
}

/// `sops decrypt FILE` with `env`, if sops is installed.
fn sops_decrypt(sandbox: &Sandbox, env: &Env, file: &Path) -> Option<Output> {
    Some(run(with(sandbox.sops()?, env).arg("decrypt").arg(file)))
}

/// `sops encrypt FLAGS plain.json` with `env`, written to `out`, if sops is installed.
fn sops_encrypt(sandbox: &Sandbox, env: &Env, flags: &[&str], out: &str) -> Option<PathBuf> {
    let plain = sandbox.write("plain.json", PLAIN);
    let encrypted = ok(run(with(sandbox.sops()?, env)
        .arg("encrypt")
        .args(flags)
        .arg(&plain)));
    Some(sandbox.write(out, encrypted))
}

fn assert_plain(out: Output) {
    let text = String::from_utf8(ok(out)).unwrap();
    assert_eq!(text, PLAIN);
}

/// The same data as the plaintext: what sops writes (it re-indents JSON), or what we
/// decrypt from a file sops wrote.
fn assert_same_data(out: Output) {
    let v: Value = serde_json::from_slice(&ok(out)).unwrap();
    let expected: Value = serde_json::from_str(PLAIN).unwrap();
    assert_eq!(v, expected);
}

#[test]
#[cfg(feature = "aws-kms")]
fn aws_kms_against_moto_and_sops() {
    let sandbox = Sandbox::new();
    let recording = sandbox.path("moto.jsonl");
    let Some((moto, arn)) = moto_with_key(&sandbox) else {
        return;
    };
    let key_id = arn.rsplit('/').next().unwrap().to_string();
    servers::moto_kms(
        &moto,
        "CreateAlias",
        &format!(r#"{{"AliasName": "alias/app", "TargetKeyId": "{key_id}"}}"#),
    );
    let env = aws(&moto);

    // Plain ARN: entry fields in sops's order, and sops decrypts it.
    let ours = secrets_encrypt(&sandbox, &env, &["--kms", &arn], "ours.json");
    assert_eq!(
        field_order(&ours, "kms"),
        ["arn", "created_at", "enc", "aws_profile"]
    );
    assert_eq!(sops_block(&ours)["kms"][0]["aws_profile"], "");
    assert_plain(secrets_decrypt(&sandbox, &env, &ours));
    if let Some(out) = sops_decrypt(&sandbox, &env, &ours) {
        assert_same_data(out);
    }

    // Encryption context: sorted, required to decrypt, and a wrong one fails.
    let context_flags = ["--kms", &arn, "--encryption-context", "env:prod,app:web"];
    let ctx = secrets_encrypt(&sandbox, &env, &context_flags, "ctx.json");
    assert_eq!(
        serde_json::to_string(&sops_block(&ctx)["kms"][0]["context"]).unwrap(),
        r#"{"app":"web","env":"prod"}"#
    );
    assert_plain(secrets_decrypt(&sandbox, &env, &ctx));
    if let Some(out) = sops_decrypt(&sandbox, &env, &ctx) {
        assert_same_data(out);
    }
    // sops's file decrypts with ours, and its entry has our fields in our order.
    if let Some(theirs) = sops_encrypt(&sandbox, &env, &context_flags, "theirs.json") {
        assert_same_data(secrets_decrypt(&sandbox, &env, &theirs));
        assert_eq!(field_order(&ctx, "kms"), field_order(&theirs, "kms"));
        assert_eq!(
            sops_block(&ctx)["kms"][0]["context"],
            sops_block(&theirs)["kms"][0]["context"]
        );
    }
    let text = String::from_utf8(read(&ctx)).unwrap();
    let wrong = sandbox.write(
        "wrong-ctx.json",
        text.replace("\"env\": \"prod\"", "\"env\": \"dev\""),
    );
    let e = fails_with(secrets_decrypt(&sandbox, &env, &wrong), 128);
    assert!(e.contains(&format!("kms {arn}")), "{e}");
    assert!(
        e.contains("AWS KMS rejected the request (InvalidCiphertextException"),
        "{e}"
    );
    assert!(e.contains("encryption context"), "{e}");
    let bad_context = ["--kms", &arn, "--encryption-context", "env=prod"];
    let out = run(with(sandbox.secrets(), &env)
        .arg("encrypt")
        .args(bad_context)
        .arg(sandbox.path("plain.json")));
    assert!(fails_with(out, 6).contains("key:value"));

    // A role assumed through STS (moto's), recorded in the entry.
    let role = "arn:aws:iam::123456789012:role/sops-role";
    let roled = secrets_encrypt(
        &sandbox,
        &env,
        &["--kms", &format!("{arn}+{role}")],
        "role.json",
    );
    assert_eq!(
        field_order(&roled, "kms"),
        ["arn", "role", "created_at", "enc", "aws_profile"]
    );
    assert_eq!(sops_block(&roled)["kms"][0]["role"], role);
    assert_plain(secrets_decrypt(&sandbox, &env, &roled));
    assert!(servers::recorded(&recording, "Action=AssumeRole") >= 2);
    if let Some(out) = sops_decrypt(&sandbox, &env, &roled) {
        assert_same_data(out);
    }

    // An alias ARN, given in SOPS_KMS_ARN.
    let alias = arn.replace(&format!("key/{key_id}"), "alias/app");
    let aliased = secrets_encrypt(
        &sandbox,
        &plus(&env, &[("SOPS_KMS_ARN", &alias)]),
        &[],
        "alias.json",
    );
    assert_eq!(sops_block(&aliased)["kms"][0]["arn"], alias.as_str());
    assert_plain(secrets_decrypt(&sandbox, &env, &aliased));

    // A profile of the shared credentials file, used again when decrypting.
    sandbox.write(
        "home/.aws/credentials",
        "[ci]\naws_access_key_id = test\naws_secret_access_key = test\n",
    );
    let endpoint: Env = vec![("AWS_ENDPOINT_URL", moto.url())];
    let profiled = secrets_encrypt(
        &sandbox,
        &endpoint,
        &["--kms", &arn, "--aws-profile", "ci"],
        "profile.json",
    );
    assert_eq!(sops_block(&profiled)["kms"][0]["aws_profile"], "ci");
    assert_plain(secrets_decrypt(&sandbox, &endpoint, &profiled));
}

#[test]
#[cfg(feature = "aws-kms")]
fn aws_kms_failures_name_the_service_the_key_and_the_reason() {
    let sandbox = Sandbox::new();
    let Some((moto, arn)) = moto_with_key(&sandbox) else {
        return;
    };
    let plain = sandbox.write("plain.json", PLAIN);
    let env = aws(&moto);
    let encrypt = |env: &Env, key: &str| {
        let out = run(with(sandbox.secrets(), env)
            .args(["encrypt", "--kms", key])
            .arg(&plain));
        fails_with(out, 128)
    };

    let id = arn.rsplit('/').next().unwrap();
    let missing = arn.replace(id, "00000000-0000-0000-0000-000000000000");
    let e = encrypt(&env, &missing);
    assert!(e.contains(&format!("kms key {missing}")), "{e}");
    assert!(
        e.contains("AWS KMS does not know the key (NotFoundException"),
        "{e}"
    );
    assert!(e.contains("check the key ARN"), "{e}");

    let closed = format!("http://127.0.0.1:{}", servers::free_port(false));
    let down = plus(&env, &[("AWS_ENDPOINT_URL", &closed)]);
    assert!(encrypt(&down, &arn).contains("cannot reach AWS KMS"));

    let e = encrypt(&vec![("AWS_ENDPOINT_URL", moto.url())], &arn);
    assert!(e.contains("no AWS KMS credentials found"), "{e}");
    assert!(e.contains("AWS_PROFILE"), "{e}");

    // A stored key that cannot be unwrapped names itself and why.
    let ours = secrets_encrypt(&sandbox, &env, &["--kms", &arn], "ours.json");
    let e = fails_with(secrets_decrypt(&sandbox, &down, &ours), 128);
    assert!(
        e.contains(&format!("kms {arn}: cannot reach AWS KMS")),
        "{e}"
    );
}

#[test]
#[cfg(feature = "aws-kms")]
fn many_files_decrypt_with_one_kms_request_per_distinct_wrapped_key() {
    let sandbox = Sandbox::new();
    let recording = sandbox.path("moto.jsonl");
    let Some((moto, arn)) = moto_with_key(&sandbox) else {
        return;
    };
    let env = aws(&moto);
    // 60 files encrypted one by one (60 data keys), and 40 copies of some of them.
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for i in 0..60 {
        let plain = sandbox.write(
            &format!("plain/{i}.yaml"),
            format!("n: {i}\nsecret: s{i}\n"),
        );
        let enc = ok(run(with(sandbox.secrets(), &env)
            .args(["encrypt", "--kms", &arn])
            .arg(&plain)));
        files.push(sandbox.write(&format!("enc/f{i:03}.yaml"), &enc));
        expected.push(read(&plain));
    }
    for i in 60..100 {
        let source = files[i % 60].clone();
        files.push(sandbox.copy(&source, &format!("enc/f{i:03}.yaml")));
        expected.push(expected[i % 60].clone());
    }
    assert_eq!(servers::kms_calls(&recording, "Encrypt"), 60);
    assert_eq!(servers::kms_calls(&recording, "Decrypt"), 0);

    let start = Instant::now();
    ok(run(with(sandbox.secrets(), &env)
        .arg("decrypt")
        .args(&files)
        .arg("--output-dir")
        .arg(sandbox.path("out"))));
    let took = start.elapsed();
    for (file, plain) in files.iter().zip(&expected) {
        let out = sandbox.path("out").join(file.file_name().unwrap());
        assert_eq!(&read(&out), plain, "{}", out.display());
    }
    let decrypts = servers::kms_calls(&recording, "Decrypt");
    eprintln!("100 files, 60 distinct data keys: {decrypts} Decrypt requests in {took:?}");
    assert_eq!(decrypts, 60);

    // A file that cannot be decrypted is reported; the others are still written.
    let broken = sandbox.write("enc/broken.yaml", "a: 1\n");
    let out = run(with(sandbox.secrets(), &env)
        .arg("decrypt")
        .arg(&files[0])
        .arg(&broken)
        .arg("--output-dir")
        .arg(sandbox.path("out2")));
    let e = fails_with(out, 1);
    assert!(e.contains("1 of 2 files could not be decrypted"), "{e}");
    assert!(e.contains("broken.yaml"), "{e}");
    assert_eq!(read(sandbox.path("out2/f000.yaml")), expected[0]);
    assert!(!sandbox.path("out2/broken.yaml").exists());
    // Several files need somewhere to go; in place is somewhere.
    fails_with(run(sandbox.secrets().arg("decrypt").args(&files[..2])), 8);
    let in_place: Vec<PathBuf> = (0..2)
        .map(|i| sandbox.copy(&files[i], &format!("in-place/f{i}.yaml")))
        .collect();
    ok(run(with(sandbox.secrets(), &env)
        .args(["decrypt", "-i"])
        .args(&in_place)));
    assert_eq!(read(&in_place[0]), expected[0]);
    assert_eq!(read(&in_place[1]), expected[1]);
}

#[test]
#[cfg(feature = "hc-vault")]
fn vault_transit_against_openbao_and_sops() {
    let sandbox = Sandbox::new();
    let Some(bao) = servers::bao(&sandbox.path("bao-home")) else {
        return;
    };
    servers::vault_api(
        &bao,
        "POST",
        "/v1/sys/mounts/transit",
        r#"{"type":"transit"}"#,
    );
    servers::vault_api(&bao, "POST", "/v1/transit/keys/sops-key", "");
    servers::vault_api(
        &bao,
        "POST",
        "/v1/sys/mounts/team/sops",
        r#"{"type":"transit"}"#,
    );
    servers::vault_api(&bao, "POST", "/v1/team/sops/keys/k2", "");
    let uri = format!("{}/v1/transit/keys/sops-key", bao.url());
    let env: Env = vec![("VAULT_TOKEN", "root".into())];

    let ours = secrets_encrypt(&sandbox, &env, &["--hc-vault-transit", &uri], "ours.json");
    assert_eq!(
        field_order(&ours, "hc_vault"),
        [
            "vault_address",
            "engine_path",
            "key_name",
            "created_at",
            "enc"
        ]
    );
    let entry = &sops_block(&ours)["hc_vault"][0];
    assert_eq!(entry["vault_address"], bao.url().as_str());
    assert_eq!(entry["engine_path"], "transit");
    assert_eq!(entry["key_name"], "sops-key");
    assert!(
        entry["enc"].as_str().unwrap().starts_with("vault:v1:"),
        "{entry}"
    );
    assert_plain(secrets_decrypt(&sandbox, &env, &ours));
    if let Some(out) = sops_decrypt(&sandbox, &env, &ours) {
        assert_same_data(out);
    }
    if let Some(theirs) = sops_encrypt(&sandbox, &env, &["--hc-vault-transit", &uri], "theirs.json")
    {
        assert_eq!(
            field_order(&theirs, "hc_vault"),
            field_order(&ours, "hc_vault")
        );
        assert_same_data(secrets_decrypt(&sandbox, &env, &theirs));
    }

    // Rotation: old files still decrypt, new ones use the new version.
    servers::vault_api(&bao, "POST", "/v1/transit/keys/sops-key/rotate", "");
    assert_plain(secrets_decrypt(&sandbox, &env, &ours));
    let rotated = secrets_encrypt(
        &sandbox,
        &env,
        &["--hc-vault-transit", &uri],
        "rotated.json",
    );
    let enc = sops_block(&rotated)["hc_vault"][0]["enc"].clone();
    assert!(enc.as_str().unwrap().starts_with("vault:v2:"), "{enc}");
    assert_plain(secrets_decrypt(&sandbox, &env, &rotated));
    if let Some(out) = sops_decrypt(&sandbox, &env, &rotated) {
        assert_same_data(out);
    }

    // A nested mount.
    let nested_uri = format!("{}/v1/team/sops/keys/k2", bao.url());
    let nested = secrets_encrypt(
        &sandbox,
        &env,
        &["--hc-vault-transit", &nested_uri],
        "nested.json",
    );
    assert_eq!(
        sops_block(&nested)["hc_vault"][0]["engine_path"],
        "team/sops"
    );
    assert_plain(secrets_decrypt(&sandbox, &env, &nested));
    if let Some(out) = sops_decrypt(&sandbox, &env, &nested) {
        assert_same_data(out);
    }

    // A URI relative to VAULT_ADDR, in SOPS_VAULT_URIS.
    let relative_env = plus(
        &env,
        &[
            ("VAULT_ADDR", &bao.url()),
            ("SOPS_VAULT_URIS", "/v1/transit/keys/sops-key"),
        ],
    );
    let relative = secrets_encrypt(&sandbox, &relative_env, &[], "relative.json");
    assert_eq!(
        sops_block(&relative)["hc_vault"][0]["vault_address"],
        bao.url().as_str()
    );

    // The token file of `vault login`; without any token, a message that says what to do.
    let none = Env::new();
    sandbox.write("home/.vault-token", "root\n");
    assert_plain(secrets_decrypt(&sandbox, &none, &nested));
    std::fs::remove_file(sandbox.path("home/.vault-token")).unwrap();
    let e = fails_with(secrets_decrypt(&sandbox, &none, &nested), 128);
    let expected = format!("hc_vault {nested_uri}: no Vault transit credentials found");
    assert!(e.contains(&expected), "{e}");
    assert!(e.contains("VAULT_TOKEN"), "{e}");
    let stale: Env = vec![("VAULT_TOKEN", "nope".into())];
    let e = fails_with(secrets_decrypt(&sandbox, &stale, &nested), 128);
    assert!(e.contains("Vault transit denied access"), "{e}");
}

#[test]
#[cfg(all(feature = "aws-kms", feature = "hc-vault"))]
fn age_kms_and_vault_file_decrypts_with_any_one_of_them() {
    let sandbox = Sandbox::new();
    let Some((moto, arn, _bao, uri)) = kms_and_vault(&sandbox) else {
        return;
    };
    let all = plus(&aws(&moto), &[("VAULT_TOKEN", "root")]);
    let flags = [
        "--age",
        RECIPIENT,
        "--kms",
        &arn,
        "--hc-vault-transit",
        &uri,
    ];
    let file = secrets_encrypt(&sandbox, &all, &flags, "all.json");
    let block = sops_block(&file);
    for kind in ["age", "kms", "hc_vault"] {
        assert_eq!(block[kind].as_array().map(Vec::len), Some(1), "{kind}");
    }
    let closed = format!("http://127.0.0.1:{}", servers::free_port(false));
    let kms_down = plus(&aws(&moto), &[("AWS_ENDPOINT_URL", &closed)]);
    let age_key = common::age_key();

    let only_age = plus(
        &kms_down,
        &[("SOPS_AGE_KEY_FILE", age_key.to_str().unwrap())],
    );
    assert_plain(secrets_decrypt(&sandbox, &only_age, &file));
    assert_plain(secrets_decrypt(&sandbox, &aws(&moto), &file));
    let only_vault = plus(&kms_down, &[("VAULT_TOKEN", "root")]);
    assert_plain(secrets_decrypt(&sandbox, &only_vault, &file));
    // None: every key says why.
    let e = fails_with(secrets_decrypt(&sandbox, &kms_down, &file), 128);
    assert!(
        e.contains(&format!("age {RECIPIENT}: no matching identity")),
        "{e}"
    );
    assert!(e.contains("cannot reach AWS KMS"), "{e}");
    assert!(e.contains("no Vault transit credentials found"), "{e}");
}

#[test]
#[cfg(feature = "gcp-kms")]
fn gcp_kms_through_the_rest_stand_in() {
    let sandbox = Sandbox::new();
    let sa = sandbox.path("sa.json");
    let Some(gcp) = servers::standin("gcp_kms.py", &["--sa-file", sa.to_str().unwrap()]) else {
        return;
    };
    let key = "projects/p/locations/global/keyRings/r/cryptoKeys/sops";
    let endpoint: Env = vec![("SECRETS_GCP_KMS_ENDPOINT", gcp.url())];
    let env = plus(&endpoint, &[("GOOGLE_OAUTH_ACCESS_TOKEN", "test-token")]);

    let ours = secrets_encrypt(&sandbox, &env, &["--gcp-kms", key], "ours.json");
    assert_eq!(
        field_order(&ours, "gcp_kms"),
        ["resource_id", "created_at", "enc"]
    );
    let entry = sops_block(&ours)["gcp_kms"][0].clone();
    assert_eq!(entry["resource_id"], key);
    let enc = entry["enc"].as_str().unwrap();
    // Standard base64 of the stand-in's nonce, the 32-byte key and the tag.
    let blob = base64::engine::general_purpose::STANDARD
        .decode(enc)
        .unwrap();
    assert_eq!(blob.len(), 12 + 32 + 16);
    assert_plain(secrets_decrypt(&sandbox, &env, &ours));

    // Every credential source sops reads.
    let sa_path = sa.to_str().unwrap();
    let sa_json = String::from_utf8(read(&sa)).unwrap();
    for (name, value) in [
        ("GOOGLE_CREDENTIALS", sa_path),
        ("GOOGLE_CREDENTIALS", sa_json.as_str()),
        ("GOOGLE_APPLICATION_CREDENTIALS", sa_path),
    ] {
        assert_plain(secrets_decrypt(
            &sandbox,
            &plus(&endpoint, &[(name, value)]),
            &ours,
        ));
    }
    let gce = format!("127.0.0.1:{}", gcp.port);
    assert_plain(secrets_decrypt(
        &sandbox,
        &plus(&endpoint, &[("GCE_METADATA_HOST", &gce)]),
        &ours,
    ));
    let stats = servers::standin_stats(&gcp);
    assert_eq!(stats["token"], 4, "{stats}");
    assert_eq!(stats["metadata"], 1, "{stats}");
    let adc = "home/.config/gcloud/application_default_credentials.json";
    sandbox.write(
        adc,
        format!(
            r#"{{"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "test-refresh-token", "token_uri": "{}/token"}}"#,
            gcp.url()
        ),
    );
    assert_plain(secrets_decrypt(&sandbox, &endpoint, &ours));
    std::fs::remove_file(sandbox.path(adc)).unwrap();

    // Failures.
    let plain = sandbox.path("plain.json");
    let encrypt = |key: &str, code: i32| {
        let out = run(with(sandbox.secrets(), &env)
            .args(["encrypt", "--gcp-kms", key])
            .arg(&plain));
        fails_with(out, code)
    };
    let missing = "projects/p/locations/global/keyRings/r/cryptoKeys/missing";
    let e = encrypt(missing, 128);
    let expected =
        format!("gcp_kms key {missing}: GCP KMS does not know the key (HTTP 404: NOT_FOUND");
    assert!(e.contains(&expected), "{e}");
    let e = encrypt(
        "projects/p/locations/global/keyRings/r/cryptoKeys/denied",
        128,
    );
    assert!(
        e.contains("GCP KMS denied access (HTTP 403: PERMISSION_DENIED"),
        "{e}"
    );
    assert!(
        e.contains("roles/cloudkms.cryptoKeyEncrypterDecrypter"),
        "{e}"
    );
    assert!(encrypt("projects/p/cryptoKeys/k", 1).contains("invalid gcp_kms recipient"));
    let stale = plus(&endpoint, &[("GOOGLE_OAUTH_ACCESS_TOKEN", "stale")]);
    let e = fails_with(secrets_decrypt(&sandbox, &stale, &ours), 128);
    assert!(
        e.contains("GCP KMS denied access (HTTP 401: UNAUTHENTICATED"),
        "{e}"
    );
    let e = fails_with(secrets_decrypt(&sandbox, &endpoint, &ours), 128);
    assert!(
        e.contains(&format!("gcp_kms {key}: no GCP KMS credentials found")),
        "{e}"
    );
    assert!(e.contains("gcloud auth application-default login"), "{e}");
    let closed = format!("http://127.0.0.1:{}", servers::free_port(false));
    let down = plus(&env, &[("SECRETS_GCP_KMS_ENDPOINT", &closed)]);
    let e = fails_with(secrets_decrypt(&sandbox, &down, &ours), 128);
    assert!(e.contains("cannot reach GCP KMS"), "{e}");
    let text = String::from_utf8(read(&ours)).unwrap();
    let tampered = sandbox.write("tampered.json", text.replace(&enc[..8], "AAAAAAAA"));
    let e = fails_with(secrets_decrypt(&sandbox, &env, &tampered), 128);
    assert!(
        e.contains("GCP KMS rejected the request (HTTP 400: INVALID_ARGUMENT"),
        "{e}"
    );
}

#[test]
#[cfg(feature = "azure-kv")]
fn azure_key_vault_through_the_rest_stand_in_and_sops() {
    let sandbox = Sandbox::new();
    let tls = sandbox.path("tls");
    let Some(az) = servers::standin("azure_kv.py", &["--tls", tls.to_str().unwrap()]) else {
        return;
    };
    let key = "https://sopstest.vault.azure.net/keys/sops-key";
    let identity: Env = vec![
        ("AZURE_TOKEN_CREDENTIALS", "prod".into()),
        ("IDENTITY_ENDPOINT", format!("{}/msi/token", az.url())),
        ("IDENTITY_HEADER", "local".into()),
    ];
    let direct = plus(&identity, &[("SECRETS_AZURE_KEYVAULT_ENDPOINT", &az.url())]);

    // Without a version, the key's current version is recorded.
    let ours = secrets_encrypt(&sandbox, &direct, &["--azure-kv", key], "ours.json");
    assert_eq!(
        field_order(&ours, "azure_kv"),
        ["vault_url", "name", "version", "created_at", "enc"]
    );
    let entry = sops_block(&ours)["azure_kv"][0].clone();
    assert_eq!(entry["vault_url"], "https://sopstest.vault.azure.net");
    assert_eq!(entry["name"], "sops-key");
    let version = entry["version"].as_str().unwrap().to_string();
    assert_eq!(version.len(), 32, "{entry}");
    let enc = entry["enc"].as_str().unwrap();
    assert!(
        !enc.contains(['=', '+', '/']),
        "not base64url without padding: {enc}"
    );
    assert_eq!(enc.len(), 342, "an RSA-2048 ciphertext is 256 bytes");
    assert_plain(secrets_decrypt(&sandbox, &direct, &ours));
    assert_eq!(servers::standin_stats(&az)["get"], 1);
    let pinned_key = format!("{key}/{version}");
    let pinned = secrets_encrypt(
        &sandbox,
        &direct,
        &["--azure-kv", &pinned_key],
        "pinned.json",
    );
    assert_eq!(
        sops_block(&pinned)["azure_kv"][0]["version"],
        version.as_str()
    );
    assert_eq!(
        servers::standin_stats(&az)["get"],
        1,
        "a pinned key needs no lookup"
    );

    // A service principal's secret.
    let principal: Env = vec![
        ("SECRETS_AZURE_KEYVAULT_ENDPOINT", az.url()),
        ("AZURE_TOKEN_CREDENTIALS", "prod".into()),
        ("AZURE_AUTHORITY_HOST", az.url()),
        ("AZURE_TENANT_ID", "tenant".into()),
        ("AZURE_CLIENT_ID", "client".into()),
    ];
    let good = plus(&principal, &[("AZURE_CLIENT_SECRET", "test-secret")]);
    assert_plain(secrets_decrypt(&sandbox, &good, &ours));
    let bad = plus(&principal, &[("AZURE_CLIENT_SECRET", "wrong")]);
    let e = fails_with(secrets_decrypt(&sandbox, &bad, &ours), 128);
    assert!(
        e.contains(
            "no Azure Key Vault credentials found (EnvironmentCredential: HTTP 401: AADSTS7000215"
        ),
        "{e}"
    );

    // Failures.
    let plain = sandbox.path("plain.json");
    let encrypt = |env: &Env, key: &str, code: i32| {
        let out = run(with(sandbox.secrets(), env)
            .args(["encrypt", "--azure-kv", key])
            .arg(&plain));
        fails_with(out, code)
    };
    let missing = "https://sopstest.vault.azure.net/keys/missing/0123";
    let e = encrypt(&direct, missing, 128);
    let expected = format!(
        "azure_kv key {missing}: Azure Key Vault does not know the key (HTTP 404: KeyNotFound"
    );
    assert!(e.contains(&expected), "{e}");
    let e = encrypt(
        &direct,
        "https://sopstest.vault.azure.net/keys/denied/0123",
        128,
    );
    assert!(
        e.contains("Azure Key Vault denied access (HTTP 403: Forbidden"),
        "{e}"
    );
    let e = encrypt(&direct, "http://v.vault.azure.net/keys/k", 1);
    assert!(e.contains("invalid azure_kv recipient"), "{e}");
    let no_identity: Env = vec![("SECRETS_AZURE_KEYVAULT_ENDPOINT", az.url())];
    let e = fails_with(secrets_decrypt(&sandbox, &no_identity, &ours), 128);
    assert!(e.contains("no Azure Key Vault credentials found"), "{e}");
    assert!(e.contains("az login"), "{e}");

    // Through HTTPS, a CONNECT proxy and a private CA, as sops is pointed at it.
    let proxy = format!("http://127.0.0.1:{}", az.extra_ports[1]);
    let ca = tls.join("ca.pem");
    let https = plus(
        &identity,
        &[
            ("HTTPS_PROXY", &proxy),
            ("NO_PROXY", "127.0.0.1,localhost"),
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ],
    );
    let via_proxy = secrets_encrypt(&sandbox, &https, &["--azure-kv", key], "proxy.json");
    assert_plain(secrets_decrypt(&sandbox, &https, &via_proxy));
    assert_plain(secrets_decrypt(&sandbox, &https, &ours));
    if let Some(out) = sops_decrypt(&sandbox, &https, &ours) {
        assert_same_data(out);
    }
    if let Some(theirs) = sops_encrypt(&sandbox, &https, &["--azure-kv", key], "theirs.json") {
        assert_eq!(
            field_order(&theirs, "azure_kv"),
            field_order(&ours, "azure_kv")
        );
        assert_same_data(secrets_decrypt(&sandbox, &https, &theirs));
        assert_same_data(secrets_decrypt(&sandbox, &direct, &theirs));
    }
}

#[test]
#[cfg(not(feature = "aws-kms"))]
fn a_build_without_a_service_says_which_feature_it_lacks() {
    let sandbox = Sandbox::new();
    let file = common::fixture("extra/kms-age.enc.yaml");
    let out = run(sandbox
        .secrets()
        .args(["decrypt", "--decryption-order", "kms"])
        .arg(&file));
    let e = fails_with(out, 128);
    assert!(
        e.contains(
            "this build of secrets has no kms support: build it with the cargo feature `aws-kms`"
        ),
        "{e}"
    );
    let plain = sandbox.write("plain.json", PLAIN);
    let arn = "arn:aws:kms:us-east-1:123456789012:key/k";
    let e = fails_with(
        run(sandbox
            .secrets()
            .args(["encrypt", "--kms", arn])
            .arg(&plain)),
        2,
    );
    assert!(e.contains("`aws-kms`"), "{e}");
}

//! The cloud key services against servers the tests start on 127.0.0.1: AWS KMS on
//! `moto_server`, Vault transit on an OpenBao dev server, GCP KMS and Azure Key Vault on the
//! stand-ins of `tests/standins/`. Files written by `secrets` are decrypted by the real
//! `sops` pointed at the same servers, and the other way round.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::servers::{self, Server};
use common::{fails_with, ok, read, run, Sandbox, RECIPIENT};
use serde_json::Value;

const PLAIN: &str = "{\n  \"db\": {\"user\": \"admin\", \"password\": \"hunter2\"},\n  \"token\": \"t0k3n\"\n}\n";

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

/// Sets the environment of AWS KMS on moto.
fn aws(cmd: &mut Command, moto: &Server) -> &mut Command {
    cmd.env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", moto.url())
}

fn secrets_encrypt(sandbox: &Sandbox, env: impl Fn(&mut Command) -> &mut Command, flags: &[&str], out: &str) -> PathBuf {
    let plain = sandbox.write("plain.json", PLAIN);
    let encrypted = ok(run(env(&mut sandbox.secrets()).arg("encrypt").args(flags).arg(&plain)));
    sandbox.write(out, encrypted)
}

fn assert_plain(out: Output) {
    let text = String::from_utf8(ok(out)).unwrap();
    assert_eq!(text, PLAIN);
}

/// `sops decrypt` must give the same data (sops re-indents JSON).
fn assert_sops_plain(out: Output) {
    let v: Value = serde_json::from_slice(&ok(out)).unwrap();
    let expected: Value = serde_json::from_str(PLAIN).unwrap();
    assert_eq!(v, expected);
}

#[test]
fn aws_kms_against_moto_and_sops() {
    let sandbox = Sandbox::new();
    let recording = sandbox.path("moto.jsonl");
    let Some(moto) = servers::moto(&recording) else { return };
    let arn = servers::moto_key(&moto);
    let key_id = arn.rsplit('/').next().unwrap().to_string();
    servers::moto_kms(
        &moto,
        "CreateAlias",
        &format!(r#"{{"AliasName": "alias/app", "TargetKeyId": "{key_id}"}}"#),
    );
    let with_aws = |c: &mut Command| -> &mut Command { aws(c, &moto) };

    // Plain ARN: entry fields in sops's order, and sops decrypts it.
    let ours = secrets_encrypt(&sandbox, with_aws, &["--kms", &arn], "ours.json");
    assert_eq!(field_order(&ours, "kms"), ["arn", "created_at", "enc", "aws_profile"]);
    assert_eq!(sops_block(&ours)["kms"][0]["aws_profile"], "");
    assert_plain(run(with_aws(&mut sandbox.secrets()).arg("decrypt").arg(&ours)));
    if let Some(mut sops) = sandbox.sops() {
        assert_sops_plain(run(with_aws(&mut sops).arg("decrypt").arg(&ours)));
        // sops's file decrypts with ours, and its entries have the fields ours have.
        let mut sops = sandbox.sops().unwrap();
        let theirs = ok(run(with_aws(&mut sops)
            .args(["encrypt", "--kms", &arn, "--encryption-context", "env:prod,app:web"])
            .arg(sandbox.path("plain.json"))));
        let theirs = sandbox.write("theirs.json", theirs);
        assert_plain(run(with_aws(&mut sandbox.secrets()).arg("decrypt").arg(&theirs)));
        let ours = secrets_encrypt(&sandbox, with_aws, &["--kms", &arn, "--encryption-context", "env:prod,app:web"], "ctx.json");
        assert_eq!(field_order(&ours, "kms"), field_order(&theirs, "kms"));
        assert_eq!(sops_block(&ours)["kms"][0]["context"], sops_block(&theirs)["kms"][0]["context"]);
    }

    // Encryption context: sorted, required to decrypt, and a wrong one fails.
    let ctx = secrets_encrypt(&sandbox, with_aws, &["--kms", &arn, "--encryption-context", "env:prod,app:web"], "ctx.json");
    let context = sops_block(&ctx)["kms"][0]["context"].clone();
    assert_eq!(serde_json::to_string(&context).unwrap(), r#"{"app":"web","env":"prod"}"#);
    assert_plain(run(with_aws(&mut sandbox.secrets()).arg("decrypt").arg(&ctx)));
    if let Some(mut sops) = sandbox.sops() {
        assert_sops_plain(run(with_aws(&mut sops).arg("decrypt").arg(&ctx)));
    }
    let text = String::from_utf8(read(&ctx)).unwrap();
    let wrong = sandbox.write("wrong-ctx.json", text.replace("\"env\": \"prod\"", "\"env\": \"dev\""));
    let e = fails_with(run(with_aws(&mut sandbox.secrets()).arg("decrypt").arg(&wrong)), 128);
    assert!(e.contains(&format!("kms {arn}")), "{e}");
    assert!(e.contains("AWS KMS rejected the request (InvalidCiphertextException"), "{e}");
    assert!(e.contains("encryption context"), "{e}");
    let e = fails_with(run(with_aws(&mut sandbox.secrets()).args(["encrypt", "--kms", &arn, "--encryption-context", "env=prod"]).arg(sandbox.path("plain.json"))), 6);
    assert!(e.contains("key:value"), "{e}");

    // A role assumed through STS (moto's), recorded in the entry.
    let role = "arn:aws:iam::123456789012:role/sops-role";
    let roled = secrets_encrypt(&sandbox, with_aws, &["--kms", &format!("{arn}+{role}")], "role.json");
    assert_eq!(field_order(&roled, "kms"), ["arn", "role", "created_at", "enc", "aws_profile"]);
    assert_eq!(sops_block(&roled)["kms"][0]["role"], role);
    assert_plain(run(with_aws(&mut sandbox.secrets()).arg("decrypt").arg(&roled)));
    assert!(servers::recorded(&recording, "AssumeRole") >= 2, "no AssumeRole call was made");
    if let Some(mut sops) = sandbox.sops() {
        assert_sops_plain(run(with_aws(&mut sops).arg("decrypt").arg(&roled)));
    }

    // An alias ARN, given in SOPS_KMS_ARN.
    let alias = arn.replace(&format!("key/{key_id}"), "alias/app");
    let aliased = secrets_encrypt(&sandbox, |c| with_aws(c).env("SOPS_KMS_ARN", &alias), &[], "alias.json");
    assert_eq!(sops_block(&aliased)["kms"][0]["arn"], alias.as_str());
    assert_plain(run(with_aws(&mut sandbox.secrets()).arg("decrypt").arg(&aliased)));

    // A profile of the shared credentials file, used again when decrypting.
    sandbox.write("home/.aws/credentials", "[ci]\naws_access_key_id = test\naws_secret_access_key = test\n");
    let endpoint = |c: &mut Command| -> &mut Command { c.env("AWS_ENDPOINT_URL", moto.url()) };
    let profiled = secrets_encrypt(&sandbox, endpoint, &["--kms", &arn, "--aws-profile", "ci"], "profile.json");
    assert_eq!(sops_block(&profiled)["kms"][0]["aws_profile"], "ci");
    assert_plain(run(endpoint(&mut sandbox.secrets()).arg("decrypt").arg(&profiled)));
}

#[test]
fn aws_kms_failures_name_the_service_the_key_and_the_reason() {
    let sandbox = Sandbox::new();
    let Some(moto) = servers::moto(&sandbox.path("moto.jsonl")) else { return };
    let arn = servers::moto_key(&moto);
    let plain = sandbox.write("plain.json", PLAIN);
    let encrypt = |cmd: &mut Command, key: &str| {
        fails_with(run(cmd.args(["encrypt", "--kms", key]).arg(&plain)), 128)
    };

    let missing = arn.replace(arn.rsplit('/').next().unwrap(), "00000000-0000-0000-0000-000000000000");
    let e = encrypt(aws(&mut sandbox.secrets(), &moto), &missing);
    assert!(e.contains(&format!("kms key {missing}")), "{e}");
    assert!(e.contains("AWS KMS does not know the key (NotFoundException"), "{e}");
    assert!(e.contains("check the key ARN"), "{e}");

    let closed = format!("http://127.0.0.1:{}", servers::free_port(false));
    let e = encrypt(
        aws(&mut sandbox.secrets(), &moto).env("AWS_ENDPOINT_URL", &closed),
        &arn,
    );
    assert!(e.contains("cannot reach AWS KMS"), "{e}");

    let e = encrypt(sandbox.secrets().env("AWS_ENDPOINT_URL", moto.url()), &arn);
    assert!(e.contains("no AWS KMS credentials found"), "{e}");
    assert!(e.contains("AWS_PROFILE"), "{e}");

    // A stored key that cannot be unwrapped names itself and why.
    let ours = sandbox.write(
        "ours.json",
        ok(run(aws(&mut sandbox.secrets(), &moto).args(["encrypt", "--kms", &arn]).arg(&plain))),
    );
    let e = fails_with(run(sandbox.secrets().env("AWS_ENDPOINT_URL", &closed).env("AWS_ACCESS_KEY_ID", "x").env("AWS_SECRET_ACCESS_KEY", "x").arg("decrypt").arg(&ours)), 128);
    assert!(e.contains(&format!("kms {arn}: cannot reach AWS KMS")), "{e}");
}

#[test]
fn many_files_decrypt_with_one_kms_request_per_distinct_wrapped_key() {
    let sandbox = Sandbox::new();
    let recording = sandbox.path("moto.jsonl");
    let Some(moto) = servers::moto(&recording) else { return };
    let arn = servers::moto_key(&moto);
    // 60 files encrypted one by one (60 data keys), and 40 copies of some of them.
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for i in 0..60 {
        let plain = sandbox.write(&format!("plain/{i}.yaml"), format!("n: {i}\nsecret: s{i}\n"));
        let enc = ok(run(aws(&mut sandbox.secrets(), &moto).args(["encrypt", "--kms", &arn]).arg(&plain)));
        files.push(sandbox.write(&format!("enc/f{i:03}.yaml"), &enc));
        expected.push(read(&plain));
    }
    for i in 60..100 {
        let source = i % 60;
        files.push(sandbox.copy(&files[source].clone(), &format!("enc/f{i:03}.yaml")));
        expected.push(expected[source].clone());
    }
    assert_eq!(servers::kms_calls(&recording, "Encrypt"), 60);
    assert_eq!(servers::kms_calls(&recording, "Decrypt"), 0);

    let start = Instant::now();
    ok(run(aws(&mut sandbox.secrets(), &moto)
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
    eprintln!("100 files, 60 distinct data keys: {decrypts} Decrypt requests, {took:?}");
    assert_eq!(decrypts, 60);

    // A file that cannot be decrypted is reported; the others are still written.
    let broken = sandbox.write("enc/broken.yaml", "a: 1\n");
    let out = run(aws(&mut sandbox.secrets(), &moto)
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
    // Several files need somewhere to go.
    fails_with(run(sandbox.secrets().arg("decrypt").args(&files[..2])), 8);
}

#[test]
fn vault_transit_against_openbao_and_sops() {
    let sandbox = Sandbox::new();
    let Some(bao) = servers::bao(&sandbox.path("bao-home")) else { return };
    servers::vault_api(&bao, "POST", "/v1/sys/mounts/transit", r#"{"type":"transit"}"#);
    servers::vault_api(&bao, "POST", "/v1/transit/keys/sops-key", "");
    servers::vault_api(&bao, "POST", "/v1/sys/mounts/team/sops", r#"{"type":"transit"}"#);
    servers::vault_api(&bao, "POST", "/v1/team/sops/keys/k2", "");
    let uri = format!("{}/v1/transit/keys/sops-key", bao.url());
    let token = |c: &mut Command| -> &mut Command { c.env("VAULT_TOKEN", "root") };

    let ours = secrets_encrypt(&sandbox, token, &["--hc-vault-transit", &uri], "ours.json");
    assert_eq!(
        field_order(&ours, "hc_vault"),
        ["vault_address", "engine_path", "key_name", "created_at", "enc"]
    );
    let entry = &sops_block(&ours)["hc_vault"][0];
    assert_eq!(entry["vault_address"], bao.url().as_str());
    assert_eq!(entry["engine_path"], "transit");
    assert_eq!(entry["key_name"], "sops-key");
    assert!(entry["enc"].as_str().unwrap().starts_with("vault:v1:"), "{entry}");
    assert_plain(run(token(&mut sandbox.secrets()).arg("decrypt").arg(&ours)));
    if let Some(mut sops) = sandbox.sops() {
        assert_sops_plain(run(token(&mut sops).arg("decrypt").arg(&ours)));
        let mut sops = sandbox.sops().unwrap();
        let theirs = ok(run(token(&mut sops).args(["encrypt", "--hc-vault-transit", &uri]).arg(sandbox.path("plain.json"))));
        let theirs = sandbox.write("theirs.json", theirs);
        assert_eq!(field_order(&theirs, "hc_vault"), field_order(&ours, "hc_vault"));
        assert_plain(run(token(&mut sandbox.secrets()).arg("decrypt").arg(&theirs)));
    }

    // Rotation: old files still decrypt, new ones use the new version.
    servers::vault_api(&bao, "POST", "/v1/transit/keys/sops-key/rotate", "");
    assert_plain(run(token(&mut sandbox.secrets()).arg("decrypt").arg(&ours)));
    let rotated = secrets_encrypt(&sandbox, token, &["--hc-vault-transit", &uri], "rotated.json");
    let enc = sops_block(&rotated)["hc_vault"][0]["enc"].clone();
    assert!(enc.as_str().unwrap().starts_with("vault:v2:"), "{enc}");
    if let Some(mut sops) = sandbox.sops() {
        assert_sops_plain(run(token(&mut sops).arg("decrypt").arg(&rotated)));
    }

    // A nested mount.
    let nested_uri = format!("{}/v1/team/sops/keys/k2", bao.url());
    let nested = secrets_encrypt(&sandbox, token, &["--hc-vault-transit", &nested_uri], "nested.json");
    assert_eq!(sops_block(&nested)["hc_vault"][0]["engine_path"], "team/sops");
    assert_plain(run(token(&mut sandbox.secrets()).arg("decrypt").arg(&nested)));
    if let Some(mut sops) = sandbox.sops() {
        assert_sops_plain(run(token(&mut sops).arg("decrypt").arg(&nested)));
    }

    // A URI relative to VAULT_ADDR, in SOPS_VAULT_URIS.
    let relative = secrets_encrypt(
        &sandbox,
        |c| token(c).env("VAULT_ADDR", bao.url()).env("SOPS_VAULT_URIS", "/v1/transit/keys/sops-key"),
        &[],
        "relative.json",
    );
    assert_eq!(sops_block(&relative)["hc_vault"][0]["vault_address"], bao.url().as_str());

    // The token file of `vault login`; without any token, a message that says what to do.
    sandbox.write("home/.vault-token", "root\n");
    assert_plain(run(sandbox.secrets().arg("decrypt").arg(&nested)));
    std::fs::remove_file(sandbox.path("home/.vault-token")).unwrap();
    let e = fails_with(run(sandbox.secrets().arg("decrypt").arg(&nested)), 128);
    assert!(e.contains(&format!("hc_vault {nested_uri}: no Vault transit credentials found")), "{e}");
    assert!(e.contains("VAULT_TOKEN"), "{e}");
    let e = fails_with(run(sandbox.secrets().env("VAULT_TOKEN", "nope").arg("decrypt").arg(&nested)), 128);
    assert!(e.contains("Vault transit denied access"), "{e}");
}

#[test]
fn age_kms_and_vault_file_decrypts_with_any_one_of_them() {
    let sandbox = Sandbox::new();
    let Some(moto) = servers::moto(&sandbox.path("moto.jsonl")) else { return };
    let Some(bao) = servers::bao(&sandbox.path("bao-home")) else { return };
    servers::vault_api(&bao, "POST", "/v1/sys/mounts/transit", r#"{"type":"transit"}"#);
    let arn = servers::moto_key(&moto);
    let uri = format!("{}/v1/transit/keys/k", bao.url());
    let file = secrets_encrypt(
        &sandbox,
        |c| aws(c, &moto).env("VAULT_TOKEN", "root"),
        &["--age", RECIPIENT, "--kms", &arn, "--hc-vault-transit", &uri],
        "all.json",
    );
    let block = sops_block(&file);
    for kind in ["age", "kms", "hc_vault"] {
        assert_eq!(block[kind].as_array().map(Vec::len), Some(1), "{kind}");
    }
    let kms_down = format!("http://127.0.0.1:{}", servers::free_port(false));
    let decrypt = |cmd: &mut Command| run(cmd.arg("decrypt").arg(&file));

    // Only age.
    assert_plain(decrypt(aws(&mut sandbox.secrets_with_key(), &moto).env("AWS_ENDPOINT_URL", &kms_down)));
    // Only KMS: no age key, no Vault token.
    assert_plain(decrypt(aws(&mut sandbox.secrets(), &moto)));
    // Only Vault: no age key, KMS unreachable.
    assert_plain(decrypt(
        aws(&mut sandbox.secrets(), &moto)
            .env("AWS_ENDPOINT_URL", &kms_down)
            .env("VAULT_TOKEN", "root"),
    ));
    // None: every key says why.
    let e = fails_with(decrypt(aws(&mut sandbox.secrets(), &moto).env("AWS_ENDPOINT_URL", &kms_down)), 128);
    assert!(e.contains("cannot reach AWS KMS"), "{e}");
    assert!(e.contains("no Vault transit credentials found"), "{e}");
    assert!(e.contains(&format!("age {RECIPIENT}: no matching identity")), "{e}");
}

#[test]
fn gcp_kms_through_the_rest_stand_in() {
    let sandbox = Sandbox::new();
    let sa = sandbox.path("sa.json");
    let Some(gcp) = servers::standin("gcp_kms.py", &["--sa-file", sa.to_str().unwrap()]) else { return };
    let key = "projects/p/locations/global/keyRings/r/cryptoKeys/sops";
    let endpoint = |c: &mut Command| -> &mut Command { c.env("SECRETS_GCP_KMS_ENDPOINT", gcp.url()) };
    let token = |c: &mut Command| -> &mut Command { endpoint(c).env("GOOGLE_OAUTH_ACCESS_TOKEN", "test-token") };

    let ours = secrets_encrypt(&sandbox, token, &["--gcp-kms", key], "ours.json");
    assert_eq!(field_order(&ours, "gcp_kms"), ["resource_id", "created_at", "enc"]);
    let entry = &sops_block(&ours)["gcp_kms"][0];
    assert_eq!(entry["resource_id"], key);
    let enc = entry["enc"].as_str().unwrap();
    use base64::Engine;
    // Standard base64 of nonce, 32-byte key and tag.
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(enc).unwrap().len(), 12 + 32 + 16);
    assert_plain(run(token(&mut sandbox.secrets()).arg("decrypt").arg(&ours)));

    // Every credential source sops reads.
    let sa_json = String::from_utf8(read(&sa)).unwrap();
    for (name, value) in [
        ("GOOGLE_CREDENTIALS", sa.to_str().unwrap()),
        ("GOOGLE_CREDENTIALS", sa_json.as_str()),
        ("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap()),
    ] {
        assert_plain(run(endpoint(&mut sandbox.secrets()).env(name, value).arg("decrypt").arg(&ours)));
    }
    let gce = format!("127.0.0.1:{}", gcp.port);
    assert_plain(run(endpoint(&mut sandbox.secrets()).env("GCE_METADATA_HOST", &gce).arg("decrypt").arg(&ours)));
    let stats = servers::standin_stats(&gcp);
    assert_eq!(stats["token"], 4, "{stats}");
    assert_eq!(stats["metadata"], 1, "{stats}");
    sandbox.write(
        "home/.config/gcloud/application_default_credentials.json",
        format!(r#"{{"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "test-refresh-token", "token_uri": "{}/token"}}"#, gcp.url()),
    );
    assert_plain(run(endpoint(&mut sandbox.secrets()).arg("decrypt").arg(&ours)));
    std::fs::remove_file(sandbox.path("home/.config/gcloud/application_default_credentials.json")).unwrap();

    // Failures.
    let plain = sandbox.path("plain.json");
    let missing = "projects/p/locations/global/keyRings/r/cryptoKeys/missing";
    let e = fails_with(run(token(&mut sandbox.secrets()).args(["encrypt", "--gcp-kms", missing]).arg(&plain)), 128);
    assert!(e.contains(&format!("gcp_kms key {missing}: GCP KMS does not know the key (HTTP 404: NOT_FOUND")), "{e}");
    let denied = "projects/p/locations/global/keyRings/r/cryptoKeys/denied";
    let e = fails_with(run(token(&mut sandbox.secrets()).args(["encrypt", "--gcp-kms", denied]).arg(&plain)), 128);
    assert!(e.contains("GCP KMS denied access (HTTP 403: PERMISSION_DENIED"), "{e}");
    assert!(e.contains("roles/cloudkms.cryptoKeyEncrypterDecrypter"), "{e}");
    let e = fails_with(run(endpoint(&mut sandbox.secrets()).env("GOOGLE_OAUTH_ACCESS_TOKEN", "stale").arg("decrypt").arg(&ours)), 128);
    assert!(e.contains("GCP KMS denied access (HTTP 401: UNAUTHENTICATED"), "{e}");
    let e = fails_with(run(endpoint(&mut sandbox.secrets()).arg("decrypt").arg(&ours)), 128);
    assert!(e.contains(&format!("gcp_kms {key}: no GCP KMS credentials found")), "{e}");
    assert!(e.contains("gcloud auth application-default login"), "{e}");
    let closed = format!("http://127.0.0.1:{}", servers::free_port(false));
    let e = fails_with(run(token(&mut sandbox.secrets()).env("SECRETS_GCP_KMS_ENDPOINT", &closed).arg("decrypt").arg(&ours)), 128);
    assert!(e.contains("cannot reach GCP KMS"), "{e}");
    let text = String::from_utf8(read(&ours)).unwrap();
    let tampered = sandbox.write("tampered.json", text.replace(enc, &enc.replace(&enc[4..8], "AAAA")));
    let e = fails_with(run(token(&mut sandbox.secrets()).arg("decrypt").arg(&tampered)), 128);
    assert!(e.contains("GCP KMS rejected the request (HTTP 400: INVALID_ARGUMENT"), "{e}");
    let e = fails_with(run(token(&mut sandbox.secrets()).args(["encrypt", "--gcp-kms", "projects/p/cryptoKeys/k"]).arg(&plain)), 1);
    assert!(e.contains("invalid gcp_kms recipient"), "{e}");
}

#[test]
fn azure_key_vault_through_the_rest_stand_in_and_sops() {
    let sandbox = Sandbox::new();
    let tls = sandbox.path("tls");
    let Some(az) = servers::standin("azure_kv.py", &["--tls", tls.to_str().unwrap()]) else { return };
    let key = "https://sopstest.vault.azure.net/keys/sops-key";
    let msi = format!("{}/msi/token", az.url());
    let identity = |c: &mut Command| -> &mut Command {
        c.env("AZURE_TOKEN_CREDENTIALS", "prod")
            .env("IDENTITY_ENDPOINT", &msi)
            .env("IDENTITY_HEADER", "local")
    };
    let direct = |c: &mut Command| -> &mut Command { identity(c).env("SECRETS_AZURE_KEYVAULT_ENDPOINT", az.url()) };

    // Without a version, the key's current version is recorded.
    let ours = secrets_encrypt(&sandbox, direct, &["--azure-kv", key], "ours.json");
    assert_eq!(field_order(&ours, "azure_kv"), ["vault_url", "name", "version", "created_at", "enc"]);
    let entry = sops_block(&ours)["azure_kv"][0].clone();
    assert_eq!(entry["vault_url"], "https://sopstest.vault.azure.net");
    assert_eq!(entry["name"], "sops-key");
    let version = entry["version"].as_str().unwrap().to_string();
    assert_eq!(version.len(), 32, "{entry}");
    let enc = entry["enc"].as_str().unwrap();
    assert!(!enc.contains(['=', '+', '/']), "enc is not base64url without padding: {enc}");
    assert_eq!(enc.len(), 342, "an RSA-2048 ciphertext is 256 bytes");
    assert_plain(run(direct(&mut sandbox.secrets()).arg("decrypt").arg(&ours)));
    assert_eq!(servers::standin_stats(&az)["get"], 1);
    let pinned = secrets_encrypt(&sandbox, direct, &["--azure-kv", &format!("{key}/{version}")], "pinned.json");
    assert_eq!(sops_block(&pinned)["azure_kv"][0]["version"], version.as_str());
    assert_eq!(servers::standin_stats(&az)["get"], 1, "a pinned key needs no lookup");

    // A service principal's secret.
    let principal = |c: &mut Command| -> &mut Command {
        c.env("SECRETS_AZURE_KEYVAULT_ENDPOINT", az.url())
            .env("AZURE_TOKEN_CREDENTIALS", "prod")
            .env("AZURE_AUTHORITY_HOST", az.url())
            .env("AZURE_TENANT_ID", "tenant")
            .env("AZURE_CLIENT_ID", "client")
    };
    assert_plain(run(principal(&mut sandbox.secrets()).env("AZURE_CLIENT_SECRET", "test-secret").arg("decrypt").arg(&ours)));
    let e = fails_with(run(principal(&mut sandbox.secrets()).env("AZURE_CLIENT_SECRET", "wrong").arg("decrypt").arg(&ours)), 128);
    assert!(e.contains("no Azure Key Vault credentials found (EnvironmentCredential: HTTP 401: AADSTS7000215"), "{e}");

    // Failures.
    let plain = sandbox.path("plain.json");
    let missing = "https://sopstest.vault.azure.net/keys/missing/0123";
    let e = fails_with(run(direct(&mut sandbox.secrets()).args(["encrypt", "--azure-kv", missing]).arg(&plain)), 128);
    assert!(e.contains(&format!("azure_kv key {missing}: Azure Key Vault does not know the key (HTTP 404: KeyNotFound")), "{e}");
    let denied = "https://sopstest.vault.azure.net/keys/denied/0123";
    let e = fails_with(run(direct(&mut sandbox.secrets()).args(["encrypt", "--azure-kv", denied]).arg(&plain)), 128);
    assert!(e.contains("Azure Key Vault denied access (HTTP 403: Forbidden"), "{e}");
    let e = fails_with(run(sandbox.secrets().env("SECRETS_AZURE_KEYVAULT_ENDPOINT", az.url()).arg("decrypt").arg(&ours)), 128);
    assert!(e.contains("no Azure Key Vault credentials found"), "{e}");
    assert!(e.contains("az login"), "{e}");
    let e = fails_with(run(sandbox.secrets().args(["encrypt", "--azure-kv", "http://v.vault.azure.net/keys/k"]).arg(&plain)), 1);
    assert!(e.contains("invalid azure_kv recipient"), "{e}");

    // Through HTTPS, a CONNECT proxy and a private CA, as sops is pointed at it.
    let proxy = format!("http://127.0.0.1:{}", az.extra_ports[1]);
    let https = |c: &mut Command| -> &mut Command {
        identity(c)
            .env("HTTPS_PROXY", &proxy)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("SSL_CERT_FILE", tls.join("ca.pem"))
    };
    let via_proxy = secrets_encrypt(&sandbox, https, &["--azure-kv", key], "proxy.json");
    assert_plain(run(https(&mut sandbox.secrets()).arg("decrypt").arg(&via_proxy)));
    assert_plain(run(https(&mut sandbox.secrets()).arg("decrypt").arg(&ours)));
    if let Some(mut sops) = sandbox.sops() {
        assert_sops_plain(run(https(&mut sops).arg("decrypt").arg(&ours)));
        let mut sops = sandbox.sops().unwrap();
        let theirs = ok(run(https(&mut sops).args(["encrypt", "--azure-kv", key]).arg(&plain)));
        let theirs = sandbox.write("theirs.json", theirs);
        assert_eq!(field_order(&theirs, "azure_kv"), field_order(&ours, "azure_kv"));
        assert_plain(run(https(&mut sandbox.secrets()).arg("decrypt").arg(&theirs)));
        assert_plain(run(direct(&mut sandbox.secrets()).arg("decrypt").arg(&theirs)));
    }
}

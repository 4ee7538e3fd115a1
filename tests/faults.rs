//! Faults while writing: a process killed mid-write, a full disk. The file on disk is always
//! either the old one or the new one, complete, and no temporary file is left with plaintext.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::*;

/// A plaintext big enough that writing it takes a while, so kills land mid-way.
fn big_yaml() -> String {
    (0..8_000)
        .map(|i| format!("key{i}: value-{i:06}-with-some-length\n"))
        .collect()
}

/// Every file in `dir` apart from `keep`: what a run left behind.
fn leftovers(dir: &Path, keep: &[&Path]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !keep.contains(&p.as_path()))
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn sigkill_during_in_place_encryption_leaves_old_or_new_file() {
    let sandbox = Sandbox::new();
    let plain = big_yaml();
    let file = sandbox.write("work/secrets.yaml", &plain);
    let dir = file.parent().unwrap().to_path_buf();
    // A complete encryption to compare against.
    let reference = sandbox.write("ref.yaml", &plain);
    let started = std::time::Instant::now();
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "-i", "--age", RECIPIENT])
        .arg(&reference)));
    let full_run = started.elapsed();

    let (mut old, mut new) = (0, 0);
    let rounds = 20;
    for round in 0..rounds {
        std::fs::write(&file, &plain).unwrap();
        let mut child = sandbox
            .secrets()
            .args(["encrypt", "-i", "--age", RECIPIENT])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a different moment every round, from before start-up to after the end.
        std::thread::sleep(full_run * 3 / 2 * round / rounds);
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        let now = read(&file);
        if now == plain.as_bytes() {
            old += 1;
        } else {
            new += 1;
            // A partial file would not parse, or fail its MAC.
            let decrypted = ok(run(sandbox.secrets_with_key().args(["decrypt"]).arg(&file)));
            assert_eq!(decrypted, plain.as_bytes(), "round {round}");
        }
        // A temporary file may survive a SIGKILL, but it never holds plaintext: the
        // encrypted output is the only thing ever written beside the file.
        for left in leftovers(&dir, &[&file]) {
            let bytes = read(&left);
            assert!(
                !bytes
                    .windows(b"value-000001".len())
                    .any(|w| w == b"value-000001"),
                "round {round}: {left} holds plaintext"
            );
            std::fs::remove_file(&left).unwrap();
        }
    }
    eprintln!("SIGKILL rounds: {old} left the old file, {new} the new one");
    assert!(
        old > 0 && new > 0,
        "kills should land both before and after the rename"
    );
}

#[test]
fn sigkill_during_in_place_decryption_leaves_old_or_new_file() {
    let sandbox = Sandbox::new();
    let plain = big_yaml();
    let file = sandbox.write("work/secrets.yaml", &plain);
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "-i", "--age", RECIPIENT])
        .arg(&file)));
    let encrypted = read(&file);
    let rounds = 20;
    for round in 0..rounds {
        std::fs::write(&file, &encrypted).unwrap();
        let mut child = sandbox
            .secrets_with_key()
            .args(["decrypt", "-i"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(10) * round);
        let _ = child.kill();
        child.wait().unwrap();
        let now = read(&file);
        assert!(
            now == encrypted || now == plain.as_bytes(),
            "round {round}: neither the old nor the new file ({} bytes)",
            now.len()
        );
    }
}

/// Runs `secrets` with a file-size limit of `blocks` (512 B or 1 KiB, as the shell counts)
/// and SIGXFSZ ignored, so a write past the limit fails with EFBIG as on a full disk.
fn with_size_limit(sandbox: &Sandbox, blocks: u64, args: &[&str]) -> std::process::Output {
    let mut sh = sandbox.command("sh");
    sh.env("SOPS_AGE_KEY_FILE", age_key())
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_secrets"))
        .args(args);
    run(&mut sh)
}

#[test]
fn a_full_disk_leaves_the_original_intact() {
    let sandbox = Sandbox::new();
    let plain = big_yaml(); // about 280 KiB; encrypted about 1.2 MiB
    let file = sandbox.write("work/secrets.yaml", &plain);
    let dir = file.parent().unwrap().to_path_buf();
    let path = file.to_str().unwrap();

    let out = with_size_limit(&sandbox, 512, &["encrypt", "-i", "--age", RECIPIENT, path]);
    let stderr = fails_with(out, 3);
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert_eq!(read(&file), plain.as_bytes(), "the original is intact");
    assert!(
        leftovers(&dir, &[&file]).is_empty(),
        "no temporary file is left"
    );

    // The same for a new output file: nothing at all is left.
    let output = dir.join("out.yaml");
    let out = with_size_limit(
        &sandbox,
        512,
        &[
            "encrypt",
            "--age",
            RECIPIENT,
            "--output",
            output.to_str().unwrap(),
            path,
        ],
    );
    fails_with(out, 3);
    assert!(!output.exists());
    assert!(leftovers(&dir, &[&file]).is_empty());

    // And for decryption in place.
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "-i", "--age", RECIPIENT])
        .arg(&file)));
    let encrypted = read(&file);
    let out = with_size_limit(&sandbox, 128, &["decrypt", "-i", path]);
    fails_with(out, 3);
    assert_eq!(read(&file), encrypted);
    assert!(leftovers(&dir, &[&file]).is_empty());
}

#[cfg(unix)]
#[test]
fn modes_are_kept_and_links_out_of_the_directory_need_force() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let sandbox = Sandbox::new();
    let plain = sandbox.write("work/app.yaml", "password: hunter2\n");
    let (enc, dec) = (
        sandbox.path("work/app.enc.yaml"),
        sandbox.path("work/app.dec.yaml"),
    );
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", RECIPIENT, "--output"])
        .arg(&enc)
        .arg(&plain)));
    assert_eq!(mode(&enc), 0o644, "a new encrypted file");
    ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "--output"])
        .arg(&dec)
        .arg(&enc)));
    assert_eq!(mode(&dec), 0o600, "a new decrypted file");
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o640)).unwrap();
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "-i", "--age", RECIPIENT])
        .arg(&plain)));
    assert_eq!(
        mode(&plain),
        0o640,
        "a file written in place keeps its mode"
    );

    // A link planted in the work directory, leading out of it.
    let victim = sandbox.write("elsewhere/victim.txt", "keep me\n");
    let link = sandbox.path("work/link.yaml");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let err = fails_with(
        run(sandbox
            .secrets_with_key()
            .args(["decrypt", "--output"])
            .arg(&link)
            .arg(&enc)),
        3,
    );
    assert!(
        err.contains("symbolic link") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(read(&victim), b"keep me\n");
    ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "--force", "--output"])
        .arg(&link)
        .arg(&enc)));
    assert_eq!(read(&victim), b"password: hunter2\n");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn concurrent_sets_never_lose_an_update() {
    let sandbox = Sandbox::new();
    let plain = sandbox.write("work/app.yaml", "start: 0\n");
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "-i", "--age", RECIPIENT])
        .arg(&plain)));
    let runs = 8;
    let children: Vec<_> = (0..runs)
        .map(|i| {
            sandbox
                .secrets_with_key()
                .arg("set")
                .arg(&plain)
                .arg(format!("[\"key{i}\"]"))
                .arg(format!("\"value{i}\""))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8(ok(run(sandbox
        .secrets_with_key()
        .arg("decrypt")
        .arg(&plain))))
    .unwrap();
    for i in 0..runs {
        assert!(
            text.contains(&format!("key{i}: value{i}")),
            "update {i} lost:\n{text}"
        );
    }
}

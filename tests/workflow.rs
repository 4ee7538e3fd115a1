//! The daily workflow on the command line: `edit` (scripted editors, failures, signals),
//! `set`/`unset` (sops's exit codes), `encrypt` reusing a data key, `exec-env`/`exec-file`,
//! and files changed by one tool read by the other.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const PLAIN: &str = "# settings\ndb:\n  user: admin\n  password: hunter2\nport: 5432\nhosts:\n  - a.example\n  - b.example\n";

/// An encrypted copy of [`PLAIN`] in the sandbox.
fn encrypted(sandbox: &Sandbox) -> PathBuf {
    let plain = sandbox.write("plain.yaml", PLAIN);
    let enc = encrypt(sandbox, &plain);
    sandbox.write("secret.yaml", enc)
}

/// An empty directory to be `$XDG_RUNTIME_DIR`, where `edit` puts its plaintext.
fn runtime_dir(sandbox: &Sandbox) -> PathBuf {
    let dir = sandbox.path("runtime");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn decrypted(sandbox: &Sandbox, file: &Path) -> String {
    String::from_utf8(decrypt(sandbox, file, "yaml")).unwrap()
}

#[test]
fn edit_saves_only_what_changed() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let before = read(&file);
    let editor = script(
        &sandbox,
        "ed.sh",
        "sed -i 's/hunter2/correct horse/' \"$1\"",
    );
    ok(run(sandbox
        .secrets_with_key()
        .env("EDITOR", &editor)
        .arg("edit")
        .arg(&file)));
    assert_eq!(
        decrypted(&sandbox, &file),
        PLAIN.replace("hunter2", "correct horse")
    );
    let (a, b) = (
        String::from_utf8(before).unwrap(),
        String::from_utf8(read(&file)).unwrap(),
    );
    let changed: Vec<&str> = a
        .lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.trim_start().split(':').next().unwrap())
        .filter(|k| *k != "lastmodified")
        .collect();
    assert_eq!(changed, ["password", "mac"]);
}

#[test]
fn edit_without_change_exits_200_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let before = read(&file);
    let err = fails_with(
        run(sandbox
            .secrets_with_key()
            .env("EDITOR", "true")
            .arg("edit")
            .arg(&file)),
        200,
    );
    assert!(err.contains("has not changed"), "{err}");
    assert_eq!(read(&file), before);
    // No editor at all: exit 201.
    fails_with(
        run(sandbox
            .secrets_with_key()
            .env("EDITOR", "/nonexistent/editor")
            .arg("edit")
            .arg(&file)),
        201,
    );
}

#[test]
fn edit_editor_with_arguments_and_private_temp_file() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let runtime = runtime_dir(&sandbox);
    let log = sandbox.path("seen.txt");
    // The editor records its argument, where the file is and the modes, then edits.
    let editor = script(
        &sandbox,
        "ed.sh",
        &format!(
            "printf '%s %s %s %s' \"$1\" \"$(dirname \"$2\")\" \"$(stat -c %a \"$2\")\" \"$(stat -c %a \"$(dirname \"$2\")\")\" > '{}'; sed -i 's/5432/6543/' \"$2\"",
            log.display()
        ),
    );
    ok(run(sandbox
        .secrets_with_key()
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("SOPS_EDITOR", format!("'{}' --flag", editor.display()))
        .env("VISUAL", "false")
        .env("EDITOR", "false")
        .arg("edit")
        .arg(&file)));
    let seen = std::fs::read_to_string(&log).unwrap();
    let parts: Vec<&str> = seen.split(' ').collect();
    assert_eq!(parts[0], "--flag");
    assert!(Path::new(parts[1]).starts_with(&runtime), "{seen}");
    assert_eq!(&parts[2..], ["600", "700"], "{seen}");
    assert!(decrypted(&sandbox, &file).contains("port: 6543"));
    assert!(entries(&runtime).is_empty(), "the temp dir was not removed");
}

#[test]
fn edit_reopens_after_invalid_yaml_and_keeps_the_edit() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let state = sandbox.path("attempts");
    // First save: broken YAML (plus a real change). Second: the user fixes the line; the
    // first change must still be there.
    let editor = script(
        &sandbox,
        "ed.sh",
        &format!(
            "n=$(cat '{s}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{s}'\n\
             if [ $n = 1 ]; then sed -i 's/hunter2/first edit/' \"$1\"; printf 'broken: [unclosed\\n' >> \"$1\";\n\
             else sed -i 's/^broken: \\[unclosed$/fixed: yes/' \"$1\"; fi",
            s = state.display()
        ),
    );
    let out = run(sandbox
        .secrets_with_key()
        .env("EDITOR", &editor)
        .arg("edit")
        .arg(&file));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    ok(out);
    assert!(stderr.contains("YAML syntax error"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&state).unwrap().trim(), "2");
    let now = decrypted(&sandbox, &file);
    assert!(now.contains("password: first edit"), "{now}");
    assert!(now.contains("fixed: yes"), "{now}");
}

#[test]
fn edit_gives_up_when_the_editor_cannot_fix_the_file() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let before = read(&file);
    let editor = script(&sandbox, "ed.sh", "printf 'broken: [\\n' > \"$1\"");
    let err = fails_with(
        run(sandbox
            .secrets_with_key()
            .env("EDITOR", &editor)
            .arg("edit")
            .arg(&file)),
        2,
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(read(&file), before);
}

#[test]
fn edit_creates_a_new_file_from_a_template() {
    let sandbox = Sandbox::new();
    let runtime = runtime_dir(&sandbox);
    for (name, kind) in [
        ("new.yaml", "yaml"),
        ("new.json", "json"),
        ("new.env", "dotenv"),
    ] {
        let editor = script(
            &sandbox,
            "ed.sh",
            "sed -i 's/example value/the real value/' \"$1\"",
        );
        let file = sandbox.path(name);
        ok(run(sandbox
            .secrets_with_key()
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("EDITOR", &editor)
            .args(["edit", "--age", RECIPIENT])
            .arg(&file)));
        let plain = String::from_utf8(decrypt(&sandbox, &file, kind)).unwrap();
        assert!(plain.contains("the real value"), "{name}: {plain}");
        if kind != "json" {
            assert!(plain.starts_with("# New secrets file"), "{name}: {plain}");
        }
    }
    // Without keys, nothing is created.
    let missing = sandbox.path("nokeys.yaml");
    fails_with(
        run(sandbox
            .secrets_with_key()
            .env("EDITOR", "true")
            .arg("edit")
            .arg(&missing)),
        1,
    );
    assert!(!missing.exists());
    assert!(entries(&runtime).is_empty());
}

/// Waits until `cond` holds (or panics after 10 s).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Every process's command line.
fn process_list() -> String {
    let out = Command::new("ps").args(["-eo", "args"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[cfg(unix)]
#[test]
fn sigterm_during_edit_leaves_no_plaintext() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let before = read(&file);
    let runtime = runtime_dir(&sandbox);
    let started = sandbox.path("started");
    let editor = script(
        &sandbox,
        "ed.sh",
        &format!("touch '{}'; exec sleep 30", started.display()),
    );
    let mut child = sandbox
        .secrets_with_key()
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("EDITOR", &editor)
        .arg("edit")
        .arg(&file)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the editor to start", || started.exists());
    // While the editor runs: one private directory with one 0600 file, and the plaintext in
    // no process's arguments.
    let dirs = entries(&runtime);
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let dir = runtime.join(&dirs[0]);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let temp = dir.join("secret.yaml");
    assert_eq!(
        std::fs::metadata(&temp).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(std::fs::read_to_string(&temp).unwrap().contains("hunter2"));
    assert!(!process_list().contains("hunter2"));
    kill(&child, "-TERM");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
    assert!(
        entries(&runtime).is_empty(),
        "left behind: {:?}",
        entries(&runtime)
    );
    assert_eq!(read(&file), before);
}

#[cfg(unix)]
#[test]
fn sigint_from_another_process_reaches_the_editor_and_cleans_up() {
    // Ctrl-C on a terminal reaches the editor directly; an INT sent to secrets by another
    // process is passed on to the editor. Here it arrives during the second editor run
    // (the first wrote invalid YAML), and nothing is left behind.
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let runtime = runtime_dir(&sandbox);
    // The editor exits at once after writing invalid YAML; on a pipe (no terminal) secrets
    // reopens it, and the second run blocks, so the signal arrives while a child runs.
    let started = sandbox.path("started");
    let editor = script(
        &sandbox,
        "ed.sh",
        &format!(
            "if [ -e '{s}' ]; then exec sleep 30; fi; touch '{s}'; printf 'x: [\\n' > \"$1\"",
            s = started.display()
        ),
    );
    let mut child = sandbox
        .secrets_with_key()
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("EDITOR", &editor)
        .arg("edit")
        .arg(&file)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the second editor run", || {
        started.exists() && process_list().contains("sleep 30")
    });
    kill(&child, "-INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 2));
    assert!(
        entries(&runtime).is_empty(),
        "left behind: {:?}",
        entries(&runtime)
    );
}

#[test]
fn set_and_unset_follow_sops_exit_codes() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let set = |args: &[&str]| run(sandbox.secrets_with_key().arg("set").arg(&file).args(args));
    ok(set(&[r#"["db"]["password"]"#, r#""s3cret""#]));
    ok(set(&[r#"["db"]["host"]"#, r#""db.local""#]));
    ok(set(&[r#"["hosts"][9]"#, r#""c.example""#]));
    ok(set(&[r#"["tags"]"#, r#"{"env": "prod", "nums": [1, 2]}"#]));
    let now = decrypted(&sandbox, &file);
    assert_eq!(
        now,
        "# settings\ndb:\n  user: admin\n  password: s3cret\n  host: db.local\nport: 5432\nhosts:\n  - a.example\n  - b.example\n  - c.example\ntags:\n  env: prod\n  nums:\n    - 1\n    - 2\n"
    );
    fails_with(set(&[r#"["db""#, "1"]), 7);
    fails_with(set(&[r#"["db"]"#, "not json"]), 7);
    fails_with(set(&[r#"["hosts"]["x"]"#, "1"]), 7);
    // --idempotent: an unchanged value writes nothing.
    let before = read(&file);
    ok(set(&["--idempotent", r#"["port"]"#, "5432"]));
    assert_eq!(read(&file), before);
    // Values from standard input or a file, out of the process list.
    ok(run_with_input(
        sandbox
            .secrets_with_key()
            .args(["set", "--value-stdin"])
            .arg(&file)
            .arg(r#"["db"]["password"]"#),
        b"\"from stdin\"\n",
    ));
    let value_file = sandbox.write("value.json", "\"from a file\"");
    ok(set(&[
        "--value-file",
        r#"["db"]["user"]"#,
        value_file.to_str().unwrap(),
    ]));
    let now = decrypted(&sandbox, &file);
    assert!(now.contains("password: from stdin") && now.contains("user: from a file"));

    let unset = |args: &[&str]| {
        run(sandbox
            .secrets_with_key()
            .arg("unset")
            .arg(&file)
            .args(args))
    };
    ok(unset(&[r#"["tags"]"#]));
    ok(unset(&[r#"["hosts"][0]"#]));
    fails_with(unset(&[r#"["nope"]"#]), 1);
    ok(unset(&["--idempotent", r#"["nope"]"#]));
    fails_with(unset(&["bad path"]), 7);
    let now = decrypted(&sandbox, &file);
    assert!(!now.contains("tags") && !now.contains("a.example"), "{now}");
    // A missing file: exit 100.
    fails_with(
        run(sandbox
            .secrets_with_key()
            .args(["set", "missing.yaml", r#"["a"]"#, "1"])),
        100,
    );
}

#[test]
fn files_changed_by_secrets_decrypt_with_sops_and_back() {
    let sandbox = Sandbox::new();
    let Some(_) = sandbox.sops() else { return };
    let file = encrypted(&sandbox);
    ok(run(sandbox
        .secrets_with_key()
        .arg("set")
        .arg(&file)
        .args([r#"["db"]["password"]"#, r#""by secrets set""#])));
    let editor = script(
        &sandbox,
        "ed.sh",
        "sed -i 's/admin/by secrets edit/' \"$1\"",
    );
    ok(run(sandbox
        .secrets_with_key()
        .env("EDITOR", &editor)
        .arg("edit")
        .arg(&file)));
    let theirs =
        String::from_utf8(ok(run(sandbox.sops().unwrap().arg("decrypt").arg(&file)))).unwrap();
    assert!(
        theirs.contains("by secrets set") && theirs.contains("by secrets edit"),
        "{theirs}"
    );
    // And the other way: sops set and sops edit on our file, read by secrets.
    ok(run(sandbox
        .sops()
        .unwrap()
        .arg("set")
        .arg(&file)
        .args([r#"["port"]"#, "1234"])));
    ok(run(sandbox
        .sops()
        .unwrap()
        .env(
            "SOPS_EDITOR",
            editor_replacing(&sandbox, "b.example", "by sops edit"),
        )
        .arg("edit")
        .arg(&file)));
    let ours = decrypted(&sandbox, &file);
    assert!(
        ours.contains("1234") && ours.contains("by sops edit"),
        "{ours}"
    );
    // secrets edits what sops wrote, and sops still reads it.
    ok(run(sandbox
        .secrets_with_key()
        .arg("set")
        .arg(&file)
        .args([r#"["db"]["user"]"#, r#""again""#])));
    let theirs =
        String::from_utf8(ok(run(sandbox.sops().unwrap().arg("decrypt").arg(&file)))).unwrap();
    assert!(theirs.contains("again"), "{theirs}");
}

fn editor_replacing(sandbox: &Sandbox, old: &str, new: &str) -> String {
    script(
        sandbox,
        "replace.sh",
        &format!("sed -i 's/{old}/{new}/' \"$1\""),
    )
    .display()
    .to_string()
}

#[test]
fn encrypt_reuses_the_data_key_of_the_destination() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let before = String::from_utf8(read(&file)).unwrap();
    let changed = sandbox.write("changed.yaml", PLAIN.replace("5432", "5433"));
    // No --age needed: the keys come from the destination.
    let out = run(sandbox
        .secrets_with_key()
        .args(["encrypt", "--output"])
        .arg(&file)
        .arg(&changed));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    ok(out);
    assert!(stderr.contains("reusing the data key"), "{stderr}");
    let after = String::from_utf8(read(&file)).unwrap();
    let differing: Vec<&str> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.trim_start().split(':').next().unwrap())
        .filter(|k| *k != "lastmodified")
        .collect();
    assert_eq!(differing, ["port", "mac"]);
    // Other keys than the file's: a new data key, said so.
    let (_, other) = secrets::keys::age::generate("2026-01-01T00:00:00Z");
    let out = run(sandbox
        .secrets_with_key()
        .args(["encrypt", "--age", &other, "--output"])
        .arg(&file)
        .arg(&changed));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    ok(out);
    assert!(stderr.contains("new data key"), "{stderr}");
}

#[test]
fn encrypt_in_place_reuses_the_version_in_git() {
    let sandbox = Sandbox::new();
    let Some(git) = tool("git") else { return };
    let file = encrypted(&sandbox);
    let git = |args: &[&str]| {
        let status = Command::new(&git)
            .current_dir(sandbox.path(""))
            .args(["-c", "user.email=t@example.org", "-c", "user.name=t"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "secret.yaml"]);
    git(&["commit", "-q", "-m", "secret"]);
    let before = String::from_utf8(read(&file)).unwrap();
    ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "-i"])
        .arg(&file)));
    let plain = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, plain.replace("b.example", "c.example")).unwrap();
    let out = run(sandbox
        .secrets_with_key()
        .args(["encrypt", "-i"])
        .arg(&file));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    ok(out);
    assert!(stderr.contains("in git"), "{stderr}");
    let after = String::from_utf8(read(&file)).unwrap();
    let differing = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b && !a.contains("lastmodified") && !a.contains("mac:"))
        .count();
    assert_eq!(differing, 1, "{before}\n{after}");
}

#[cfg(unix)]
#[test]
fn commands_holding_plaintext_run_without_core_dumps() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    // Core dumps allowed where secrets starts (the limit may be 0 already, which would prove
    // nothing); the limit it sets is inherited by the command (an editor, a deploy script).
    let out = ok(run(sandbox
        .command("sh")
        .env("SOPS_AGE_KEY_FILE", age_key())
        .arg("-c")
        .arg("ulimit -c 1024 && ulimit -c && exec \"$0\" exec-env \"$1\" 'ulimit -c'")
        .arg(env!("CARGO_BIN_EXE_secrets"))
        .arg(&file)));
    assert_eq!(String::from_utf8_lossy(&out), "1024\n0\n");
}

#[test]
fn exec_env_passes_values_and_exit_codes() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let out = ok(run(sandbox
        .secrets_with_key()
        .env("OUTSIDE", "kept")
        .args(["exec-env"])
        .arg(&file)
        .args([
            "--",
            "sh",
            "-c",
            "echo \"$port|$db__map_password|$hosts__list_1|$OUTSIDE\"",
        ])));
    assert_eq!(
        String::from_utf8_lossy(&out),
        "5432|hunter2|b.example|kept\n"
    );
    // One argument runs with /bin/sh -c, as sops does; --pristine drops our environment.
    let out = ok(run(sandbox
        .secrets_with_key()
        .env("OUTSIDE", "kept")
        .args(["exec-env", "--pristine"])
        .arg(&file)
        .arg("echo \"$port|${OUTSIDE:-none}\"")));
    assert_eq!(String::from_utf8_lossy(&out), "5432|none\n");
    fails_with(
        run(sandbox
            .secrets_with_key()
            .arg("exec-env")
            .arg(&file)
            .arg("exit 42")),
        42,
    );
    let out = run(sandbox
        .secrets_with_key()
        .args(["exec-env", "--same-process"])
        .arg(&file)
        .arg("echo $port; exit 3"));
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "5432\n");
}

#[test]
fn exec_file_passes_the_plaintext_through_a_private_path() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    for fifo in [true, false] {
        let mut cmd = sandbox.secrets_with_key();
        cmd.arg("exec-file");
        if !fifo {
            cmd.args(["--no-fifo", "--filename", "plain.yaml"]);
        }
        let out = ok(run(cmd.arg(&file).arg(
            "cat {}; stat -c '%F %a' {}; stat -c %a $(dirname {}); echo {} > where",
        )));
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with(PLAIN), "{out}");
        let kind = if fifo { "fifo 600" } else { "regular file 600" };
        assert!(out.contains(kind), "{out}");
        assert!(out.ends_with("700\n"), "{out}");
        let path = std::fs::read_to_string(sandbox.path("where")).unwrap();
        let path = Path::new(path.trim());
        assert!(!path.exists(), "{} was not removed", path.display());
        assert!(!path.parent().unwrap().exists());
    }
    fails_with(
        run(sandbox
            .secrets_with_key()
            .arg("exec-file")
            .arg(&file)
            .args(["--", "sh", "-c", "head -c1 \"$0\" >/dev/null; exit 9", "{}"])),
        9,
    );
}

#[cfg(unix)]
#[test]
fn exec_forwards_signals_and_keeps_values_out_of_ps() {
    let sandbox = Sandbox::new();
    let file = encrypted(&sandbox);
    let ready = sandbox.path("ready");
    let command = format!(
        "trap 'echo got-term; kill $!; exit 7' TERM; touch '{}'; sleep 30 & wait",
        ready.display()
    );
    for sub in ["exec-env", "exec-file"] {
        let _ = std::fs::remove_file(&ready);
        let child = sandbox
            .secrets_with_key()
            .arg(sub)
            .arg(&file)
            .arg(&command)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for("the command to start", || ready.exists());
        let ps = process_list();
        assert!(!ps.contains("hunter2"), "{sub}: a value is in ps:\n{ps}");
        kill(&child, "-TERM");
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(7), "{sub}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "got-term\n", "{sub}");
    }
    // A child killed by a signal: 128 + its number, as a shell reports it.
    fails_with(
        run(sandbox
            .secrets_with_key()
            .arg("exec-env")
            .arg(&file)
            .arg("kill -KILL $$")),
        128 + 9,
    );
}

/// Lines that differ between two files of the same length in lines, leaving out
/// `lastmodified` (its second may not have turned).
fn differing_lines(before: &[u8], after: &[u8]) -> Vec<String> {
    let (before, after) = (
        String::from_utf8_lossy(before).into_owned(),
        String::from_utf8_lossy(after).into_owned(),
    );
    assert_eq!(before.lines().count(), after.lines().count());
    before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b && !a.contains("lastmodified"))
        .map(|(a, _)| {
            a.split(['=', ':'])
                .next()
                .unwrap()
                .trim()
                .trim_matches('"')
                .to_string()
        })
        .collect()
}

#[test]
fn set_and_edit_work_in_ini_toml_and_binary_files() {
    let sandbox = Sandbox::new();
    let cases: [(&str, &str, &str, &str, &str); 3] = [
        (
            "app.ini",
            "[db]\nuser = alice\npass = s3cret\n",
            r#"["db"]["pass"]"#,
            "[db]\nuser = alice\npass = changed\n",
            "pass",
        ),
        (
            "app.toml",
            "title = \"x\"\n[db]\nport = 5432\npass = \"s3cret\"\n",
            r#"["db"]["port"]"#,
            "title = \"x\"\n[db]\nport = 6000\npass = \"s3cret\"\n",
            "port",
        ),
        (
            "app.bin",
            "line one\nline two\n",
            r#"["data"]"#,
            "changed",
            "data",
        ),
    ];
    for (name, plain, path, expected, key) in cases {
        let file = sandbox.write(name, plain);
        let enc = encrypt(&sandbox, &file);
        std::fs::write(&file, &enc).unwrap();
        let value = match name {
            "app.toml" => "6000",
            _ => r#""changed""#,
        };
        ok(run(sandbox
            .secrets_with_key()
            .arg("set")
            .arg(&file)
            .args([path, value])));
        let after = read(&file);
        assert_eq!(differing_lines(&enc, &after), [key, "mac"], "{name}");
        let back = ok(run(sandbox.secrets_with_key().arg("decrypt").arg(&file)));
        assert_eq!(String::from_utf8(back).unwrap(), expected, "{name}");
        // edit keeps the other values' ciphertexts too.
        let editor = script(
            &sandbox,
            "ed.sh",
            "sed -i 's/changed/edited/; s/6000/7000/' \"$1\"",
        );
        ok(run(sandbox
            .secrets_with_key()
            .env("EDITOR", &editor)
            .arg("edit")
            .arg(&file)));
        let edited = read(&file);
        assert_eq!(differing_lines(&after, &edited), [key, "mac"], "{name}");
        let expected = expected
            .replace("changed", "edited")
            .replace("6000", "7000");
        if name != "app.toml" {
            if let Some(mut sops) = sandbox.sops() {
                let theirs = ok(run(sops.arg("decrypt").arg(&file)));
                assert_eq!(String::from_utf8(theirs).unwrap(), expected, "{name}");
            }
        }
    }
    // What cannot be written in place is refused with a pointer to `edit`, nothing written.
    let toml = sandbox.path("app.toml");
    let before = read(&toml);
    let err = fails_with(
        run(sandbox
            .secrets_with_key()
            .arg("unset")
            .arg(&toml)
            .arg(r#"["db"]["pass"]"#)),
        2,
    );
    assert!(err.contains("secrets edit"), "{err}");
    assert_eq!(read(&toml), before);
    // A new binary file starts empty: the whole text is the secret.
    let editor = script(
        &sandbox,
        "new.sh",
        "test ! -s \"$1\" && printf 'token' > \"$1\"",
    );
    let new = sandbox.path("new.bin");
    ok(run(sandbox
        .secrets_with_key()
        .env("EDITOR", &editor)
        .args(["edit", "--age", RECIPIENT])
        .arg(&new)));
    let back = ok(run(sandbox.secrets_with_key().arg("decrypt").arg(&new)));
    assert_eq!(back, b"token");
}

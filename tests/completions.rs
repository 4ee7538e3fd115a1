//! Shell completions and manual pages: the committed files match the generator, and the
//! scripts load in the shells.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ok, run, Sandbox};

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("completions")
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(
                files(&path)
                    .into_iter()
                    .map(|p| Path::new(path.file_name().unwrap()).join(p)),
            );
        } else {
            out.push(PathBuf::from(path.file_name().unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn committed_files_match_the_generator() {
    let sandbox = Sandbox::new();
    let fresh = sandbox.path("completions");
    ok(run(sandbox
        .secrets()
        .arg("completions")
        .arg("--write-all")
        .arg(&fresh)));
    ok(run(sandbox
        .secrets()
        .arg("man")
        .arg("--dir")
        .arg(fresh.join("man"))));
    let names = files(&fresh);
    assert_eq!(
        files(&committed()),
        names,
        "run ./scripts/gen-completions.sh"
    );
    for name in &names {
        assert!(
            common::read(fresh.join(name)) == common::read(committed().join(name)),
            "completions/{} is out of date: run ./scripts/gen-completions.sh",
            name.display()
        );
    }
    // Standard output gives the same as the files.
    let bash = ok(run(sandbox.secrets().args(["completions", "bash"])));
    assert!(bash == common::read(fresh.join("secrets.bash")));
    let man = ok(run(sandbox.secrets().arg("man")));
    assert!(
        man == common::read(fresh.join("man/secrets.1")),
        "`secrets man` differs from secrets.1"
    );
}

#[test]
fn bash_loads_the_completions() {
    let Some(bash) = common::tool("bash") else {
        return;
    };
    let script = committed().join("secrets.bash");
    let out = ok(run(Command::new(bash).arg("-c").arg(format!(
        "source '{}' && complete -p secrets && COMP_WORDS=(secrets git-s); COMP_CWORD=1; _secrets secrets git-s secrets && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    ))));
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with("complete ") && out.contains("-F _secrets secrets"),
        "{out}"
    );
    assert!(out.lines().any(|l| l == "git-setup"), "{out}");
}

#[test]
fn fish_and_zsh_load_the_completions() {
    if let Some(fish) = which("fish") {
        let out = ok(run(Command::new(fish).arg("-c").arg(format!(
            "source '{}'; complete -C 'secrets git-s'",
            committed().join("secrets.fish").display()
        ))));
        assert!(String::from_utf8_lossy(&out).contains("git-setup"));
    }
    if let Some(zsh) = which("zsh") {
        let out = ok(run(Command::new(zsh).args(["-f", "-c"]).arg(format!(
            "autoload -U compinit && compinit -u -D && source '{}' && whence -w _secrets",
            committed().join("_secrets").display()
        ))));
        assert!(String::from_utf8_lossy(&out).contains("_secrets: function"));
    }
}

/// A shell that is optional even in CI.
fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

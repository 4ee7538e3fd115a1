//! Key-service peers the tests start themselves, on 127.0.0.1 only: `moto_server` (AWS KMS
//! and STS), an OpenBao dev server (Vault transit), and the GCP KMS and Azure Key Vault
//! stand-ins of `tests/standins/`. Each is stopped when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::tool;

/// A server process, killed on drop.
pub struct Server {
    child: Child,
    /// Its main port.
    pub port: u16,
    /// Other ports it printed (stand-ins), in order.
    pub extra_ports: Vec<u16>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A port nothing listens on now (and, with `pair`, the next one too).
pub fn free_port(pair: bool) -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !pair || (port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok()) {
            return port;
        }
    }
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} did not start within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `exe` listening on `port` and waits until `health` answers 200.
fn spawn(exe: &Path, args: &[String], env: &[(&str, &Path)], port: u16, health: &str) -> Server {
    let mut cmd = Command::new(exe);
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    let server = Server {
        child,
        port,
        extra_ports: Vec::new(),
    };
    wait_until(&exe.display().to_string(), || {
        http(port, "GET", health, &[], "").is_some_and(|(s, _)| s == 200)
    });
    server
}

/// `moto_server` on a free port, recording requests to `recording` (see [`kms_calls`]).
pub fn moto(recording: &Path) -> Option<Server> {
    let exe = tool("moto_server")?;
    let port = free_port(false);
    let args = [
        "-H".to_string(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
    ];
    let env = [
        ("MOTO_ENABLE_RECORDING", Path::new("True")),
        ("MOTO_RECORDER_FILEPATH", recording),
    ];
    Some(spawn(&exe, &args, &env, port, "/moto-api/"))
}

/// Calls a KMS action of moto (`CreateKey`, `CreateAlias`, ...) and returns its answer.
pub fn moto_kms(server: &Server, action: &str, body: &str) -> Value {
    let target = format!("TrentService.{action}");
    let (status, answer) = http(
        server.port,
        "POST",
        "/",
        &[
            ("X-Amz-Target", &target),
            ("Content-Type", "application/x-amz-json-1.1"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ],
        body,
    )
    .expect("moto answers");
    assert_eq!(status, 200, "{action}: {answer}");
    serde_json::from_str(&answer).unwrap()
}

/// A new KMS key in moto; its ARN.
pub fn moto_key(server: &Server) -> String {
    moto_kms(server, "CreateKey", "{}")["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_string()
}

/// How many requests of each KMS action moto has recorded.
pub fn kms_calls(recording: &Path, action: &str) -> usize {
    let target = format!("TrentService.{action}");
    std::fs::read_to_string(recording)
        .unwrap_or_default()
        .lines()
        .filter(|line| {
            let entry: Value = serde_json::from_str(line).unwrap();
            entry["headers"]
                .as_object()
                .unwrap()
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("x-amz-target") && v == target.as_str())
        })
        .count()
}

/// How many recorded requests (any service) mention `needle` in their body or headers.
pub fn recorded(recording: &Path, needle: &str) -> usize {
    use base64::Engine;
    std::fs::read_to_string(recording)
        .unwrap_or_default()
        .lines()
        .filter(|line| {
            let entry: Value = serde_json::from_str(line).unwrap();
            let body = entry["body"].as_str().unwrap_or_default();
            let body = if entry["body_encoded"] == true {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .unwrap_or_default();
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                body.to_string()
            };
            body.contains(needle) || entry["headers"].to_string().contains(needle)
        })
        .count()
}

/// An OpenBao dev server (root token `root`) on a free port (and the next, its cluster port).
pub fn bao(home: &Path) -> Option<Server> {
    let exe = tool("bao")?;
    let port = free_port(true);
    let args = [
        "server".to_string(),
        "-dev".into(),
        "-dev-root-token-id=root".into(),
        "-dev-no-store-token".into(),
        format!("-dev-listen-address=127.0.0.1:{port}"),
    ];
    Some(spawn(
        &exe,
        &args,
        &[("HOME", home)],
        port,
        "/v1/sys/health",
    ))
}

/// A Vault API call with the root token; panics unless it succeeds.
pub fn vault_api(server: &Server, method: &str, path: &str, body: &str) -> String {
    let (status, answer) = http(
        server.port,
        method,
        path,
        &[("X-Vault-Token", "root")],
        body,
    )
    .expect("bao answers");
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {answer}"
    );
    answer
}

/// A stand-in of `tests/standins/` (`gcp_kms.py`, `azure_kv.py`) with `args`.
pub fn standin(script: &str, args: &[&str]) -> Option<Server> {
    let python = tool("python3")?;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/standins")
        .join(script);
    let mut child = Command::new(python)
        .arg("-u")
        .arg(path)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start a stand-in");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ports: Vec<u16> = line
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("{script} did not start: {line:?}"))
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    Some(Server {
        child,
        port: ports[0],
        extra_ports: ports[1..].to_vec(),
    })
}

/// The JSON request counters of a stand-in.
pub fn standin_stats(server: &Server) -> Value {
    let (_, body) = http(server.port, "GET", "/stats", &[], "").unwrap();
    serde_json::from_str(&body).unwrap()
}

/// A plain HTTP/1.1 request to 127.0.0.1; `None` when nothing answers.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Some((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

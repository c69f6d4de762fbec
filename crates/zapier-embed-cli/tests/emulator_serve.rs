//! `zembed emulator serve`: prints one `listening on` line with the real port, serves, and exits
//! cleanly on SIGINT (Ctrl-C).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        // Never leave a server behind, whatever the test outcome.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(extra: &[&str]) -> (Child, String) {
    let mut args = vec![
        "emulator",
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--activation-delay-ms",
        "10",
    ];
    args.extend_from_slice(extra);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("zembed"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn zembed");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line `{line}`"))
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    (Child(child), url)
}

/// Every request of these tests is bounded in time: a server that hangs fails the test.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

async fn token_status(url: &str, id: &str, secret: &str) -> u16 {
    let resp = http()
        .post(format!("{url}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("request");
    resp.status().as_u16()
}

#[tokio::test]
async fn serve_prints_the_bound_address_and_answers() {
    let (_child, url) = spawn(&[]);
    assert_eq!(token_status(&url, "any", "thing").await, 200);
}

#[tokio::test]
async fn client_flags_restrict_the_token_endpoint() {
    let (_child, url) = spawn(&["--client", "known:s3cret", "--token-ttl-secs", "60"]);
    assert_eq!(token_status(&url, "known", "s3cret").await, 200);
    assert_eq!(token_status(&url, "other", "s3cret").await, 401);
}

#[tokio::test]
async fn limit_flags_reach_the_server() {
    let (_child, url) = spawn(&["--max-body-bytes", "1024", "--rate-limit", "5/60"]);
    let http = http();
    let big = http
        .post(format!("{url}/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&pad={}",
            "x".repeat(2048)
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(big.status().as_u16(), 413);
    let small = http
        .post(format!("{url}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "a"),
            ("client_secret", "b"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(small.status().as_u16(), 200);
    let token = small.json::<serde_json::Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let listed = http
        .get(format!("{url}/trigger-inbox/api/v1/inboxes"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(listed.status().as_u16(), 200);
    assert_eq!(
        listed
            .headers()
            .get("x-ratelimit-limit")
            .map(|v| v.to_str().unwrap()),
        Some("5")
    );
}

#[test]
fn a_zero_body_limit_is_a_usage_error() {
    let output = Command::new(assert_cmd::cargo::cargo_bin!("zembed"))
        .args([
            "emulator",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--max-body-bytes",
            "0",
        ])
        .output()
        .expect("run zembed");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--max-body-bytes"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn sigint_exits_cleanly() {
    let (mut child, _url) = spawn(&[]);
    let pid = child.0.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let status = child.0.wait().expect("wait");
    assert!(status.success(), "exit status {status}");
}

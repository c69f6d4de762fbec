//! The Connect UI in a real browser: headless Chromium, driven over WebDriver (chromedriver,
//! started by the test on a free loopback port), plays the end user of a partner web page.
//!
//! The partner page is served by the test itself on another loopback port (another origin than
//! the emulator's Connect UI). Its backend gets a connect token through the facade, the page
//! opens the Connect URL as the connection-flow guide shows (a popup that reports with
//! `postMessage`, checked against the Connect UI's origin; or a redirect to a callback URL), the
//! browser clicks Authorize (or Cancel), the page forwards the report to its backend, and the SDK
//! then lists the new connection as valid.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`apt-get install -y chromium chromium-driver`;
//! `.ci/run` installs them). `CHROME_BIN` and `CHROMEDRIVER` override the binaries. Without
//! them the test fails, saying how to install them; it is never skipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use zapier_embed::Client;
use zapier_embed_emulator::{Emulator, EmulatorHandle};

/// Outer bound of the whole browser flow (chromium's first start on a busy machine included).
const FLOW_TIMEOUT: Duration = Duration::from_secs(180);
/// How long one step may wait for the browser or the partner's backend.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// Chromium flags: headless, and quiet on the network (loopback only, nothing fetched at start).
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];
const INSTALL_HINT: &str = "the Connect UI browser test needs Chromium and its WebDriver: \
    install Debian's packages with `apt-get update && apt-get install -y chromium chromium-driver` \
    (or point CHROME_BIN and CHROMEDRIVER at the binaries)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_page_connects_an_account_through_the_connect_ui_in_chromium() {
    let chromium = binary(
        "CHROME_BIN",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = binary("CHROMEDRIVER", &["chromedriver"]);
    let driver = Chromedriver::start(&chromedriver).await;
    let outcome = tokio::time::timeout(FLOW_TIMEOUT, async {
        let browser = driver.session(&chromium).await;
        let result = flows(&browser).await;
        // Close the session (and with it Chromium) before judging; the guard kills what is left.
        let _ = browser.close().await;
        result
    })
    .await;
    drop(driver);
    outcome.unwrap_or_else(|_| panic!("the browser flows did not finish within {FLOW_TIMEOUT:?}"));
}

/// The three flows, in one browser session: popup + Authorize, popup + Cancel, redirect.
async fn flows(browser: &Browser) {
    let emulator = Emulator::builder()
        .client("partner", "partner-secret")
        .start()
        .await
        .expect("start the emulator");
    let client = sdk(&emulator);
    let partner = Partner::start(&emulator, client.clone()).await;
    let main = browser.window().await.expect("main window");

    // Popup flow, the user authorizes.
    let before = client.connections().list("slack").await.expect("list");
    browser
        .goto(&partner.url("/"))
        .await
        .expect("open partner page");
    let popup = open_popup(browser, &main).await;
    let page_origin = text(browser, "partner-origin").await;
    assert_eq!(
        page_origin, partner.origin,
        "the Connect UI knows who opened it"
    );
    assert_eq!(text(browser, "app").await, "Slack");
    click(browser, "authorize").await;
    let report = partner.next_report().await;
    assert_eq!(report["type"], "authenticationSuccess", "{report}");
    let id = report["authId"].as_str().expect("authId").to_owned();
    browser.switch_to_window(main.clone()).await.expect("back");
    assert_eq!(wait_text(browser, "result").await, "authenticationSuccess");
    assert!(
        !browser.windows().await.expect("windows").contains(&popup),
        "the partner page closed the popup"
    );
    let after = client.connections().list("slack").await.expect("list");
    assert!(before.iter().all(|c| c.id != id), "a new connection");
    assert_eq!(after.len(), before.len() + 1);
    let found = after.iter().find(|c| c.id == id).expect("the SDK lists it");
    assert!(!found.is_expired, "and it is valid: {found:?}");

    // Popup flow, the user cancels: the page hears `authenticationError`, nothing is created.
    browser
        .goto(&partner.url("/"))
        .await
        .expect("open partner page");
    open_popup(browser, &main).await;
    click(browser, "cancel").await;
    let report = partner.next_report().await;
    assert_eq!(
        (report["type"].as_str(), report["error"].as_str()),
        (Some("authenticationError"), Some("access_denied")),
        "{report}"
    );
    browser.switch_to_window(main.clone()).await.expect("back");
    assert_eq!(wait_text(browser, "result").await, "authenticationError");
    let listed = client.connections().list("slack").await.expect("list");
    assert_eq!(listed.len(), after.len());

    // Redirect flow: the browser comes back to the partner's callback with the result.
    browser
        .goto(&partner.url("/redirect"))
        .await
        .expect("open partner page");
    click(browser, "connect").await;
    click(browser, "authorize").await;
    let report = partner.next_report().await;
    assert_eq!(report["state"], "xyz", "{report}");
    assert_eq!(report["service"], "SlackCLIAPI", "{report}");
    let id = report["authentication_id"]
        .as_str()
        .expect("authentication_id");
    assert_eq!(wait_text(browser, "result").await, "callback");
    let found = client.connections().list("slack").await.expect("list");
    assert!(
        found.iter().any(|c| c.id == id && !c.is_expired),
        "{found:?}"
    );

    emulator.shutdown().await;
}

/// Clicks the partner's Connect button and switches to the popup it opened.
async fn open_popup(
    browser: &Browser,
    main: &fantoccini::wd::WindowHandle,
) -> fantoccini::wd::WindowHandle {
    click(browser, "connect").await;
    let popup = tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            let windows = browser.windows().await.expect("windows");
            if let Some(w) = windows.into_iter().find(|w| w != main) {
                return w;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the partner page opened a popup");
    browser
        .switch_to_window(popup.clone())
        .await
        .expect("switch to the popup");
    popup
}

async fn click(browser: &Browser, id: &str) {
    let element = browser
        .wait()
        .at_most(STEP_TIMEOUT)
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} on the page: {e}"));
    // A click that submits a form closed by the page itself may report the closed window; the
    // partner's report is what the test judges.
    if let Err(e) = element.click().await {
        eprintln!("click on #{id} answered: {e}");
    }
}

async fn text(browser: &Browser, id: &str) -> String {
    browser
        .wait()
        .at_most(STEP_TIMEOUT)
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} on the page: {e}"))
        .text()
        .await
        .expect("text")
}

/// The text of `#id` once it is not empty.
async fn wait_text(browser: &Browser, id: &str) -> String {
    tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            let t = text(browser, id).await;
            if !t.is_empty() {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("#{id} stayed empty"))
}

/// The facade client of the partner's backend.
fn sdk(emulator: &EmulatorHandle) -> Client {
    let base = emulator.base_url();
    Client::builder()
        .api_url(base.clone())
        .auth_url(base.clone())
        .connect_url(base)
        .client_credentials("partner", "partner-secret")
        .build()
        .expect("client")
}

/// The partner's web app: its pages and the backend that receives the reports.
struct Partner {
    origin: String,
    reports: Mutex<mpsc::UnboundedReceiver<Value>>,
    server: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct PartnerState {
    client: Client,
    connect_origin: String,
    own_origin: String,
    reports: mpsc::UnboundedSender<Value>,
}

impl Partner {
    async fn start(emulator: &EmulatorHandle, client: Client) -> Partner {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the partner's port");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = mpsc::unbounded_channel();
        let state = PartnerState {
            client,
            connect_origin: emulator.base_url(),
            own_origin: origin.clone(),
            reports: tx,
        };
        let app = Router::new()
            .route("/", get(popup_page))
            .route("/redirect", get(redirect_page))
            .route("/callback", get(callback))
            .route("/report", post(report))
            .with_state(state);
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("partner server");
        });
        Partner {
            origin,
            reports: Mutex::new(rx),
            server,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    async fn next_report(&self) -> Value {
        tokio::time::timeout(STEP_TIMEOUT, self.reports.lock().await.recv())
            .await
            .expect("the partner's backend heard from its page")
            .expect("report channel open")
    }
}

impl Drop for Partner {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A connect URL made by the partner's backend, as JSON for the page's script.
async fn connect_url(state: &PartnerState) -> String {
    let token = state
        .client
        .connect_token("slack")
        .await
        .expect("connect token");
    state
        .client
        .connect_url("slack", &token)
        .expose_secret()
        .to_owned()
}

/// The connection-flow guide's popup code, reporting what it hears to the backend.
async fn popup_page(State(state): State<PartnerState>) -> Html<String> {
    let url = connect_url(&state).await;
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Partner</title></head><body>
<button id="connect">Connect Slack</button>
<p id="result"></p>
<script>
const CONNECT_URL = {url};
const CONNECT_ORIGIN = {origin};
document.getElementById("connect").addEventListener("click", () => {{
  const popup = window.open(CONNECT_URL, "zapier-connect", "width=980,height=700");
  window.addEventListener("message", async (event) => {{
    if (event.origin !== CONNECT_ORIGIN) return;
    popup.close();
    await fetch("/report", {{method: "POST", headers: {{"content-type": "application/json"}},
      body: JSON.stringify(event.data)}});
    document.getElementById("result").textContent = event.data.type;
  }});
}});
</script></body></html>"#,
        url = json!(url),
        origin = json!(state.connect_origin),
    ))
}

/// The redirect variant: a link to the Connect URL with `redirect_uri` and `state`.
async fn redirect_page(State(state): State<PartnerState>) -> Html<String> {
    let mut url = reqwest::Url::parse(&connect_url(&state).await).expect("connect URL");
    url.query_pairs_mut()
        .append_pair("redirect_uri", &format!("{}/callback", state.own_origin))
        .append_pair("state", "xyz");
    let href = url.as_str().replace('&', "&amp;").replace('"', "&quot;");
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Partner</title></head><body>
<a id="connect" href="{href}">Connect Slack</a></body></html>"#
    ))
}

async fn callback(
    State(state): State<PartnerState>,
    Query(params): Query<serde_json::Map<String, Value>>,
) -> Html<&'static str> {
    let _ = state.reports.send(Value::Object(params));
    Html(r#"<!doctype html><html><body><p id="result">callback</p></body></html>"#)
}

async fn report(State(state): State<PartnerState>, Json(body): Json<Value>) {
    let _ = state.reports.send(body);
}

/// `override_var`'s value, else the first of `names` found on `PATH`; fails with the install hint.
fn binary(override_var: &str, names: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(override_var) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{override_var}={} is not a file; {INSTALL_HINT}",
            path.display()
        );
        return path;
    }
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("none of {names:?} is on PATH; {INSTALL_HINT}"))
}

/// A chromedriver process (in its own process group, with the Chromium it starts) and a fresh
/// profile directory; dropping it kills the group and removes the directory, also when a test
/// fails.
struct Chromedriver {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Chromedriver {
    async fn start(binary: &Path) -> Chromedriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let dir = std::env::temp_dir().join(format!(
            "zapier-embed-connect-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("profile directory");
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(binary)
                .arg(format!("--port={port}"))
                .arg(format!(
                    "--log-path={}",
                    dir.join("chromedriver.log").display()
                ))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}; {INSTALL_HINT}", binary.display()))
        };
        let mut driver = Chromedriver { child, port, dir };
        driver.wait_ready().await;
        driver
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http");
        let status = format!("http://127.0.0.1:{}/status", self.port);
        let ready = tokio::time::timeout(STEP_TIMEOUT, async {
            loop {
                if let Ok(Some(exit)) = self.child.try_wait() {
                    return Err(format!("chromedriver exited with {exit}"));
                }
                if let Ok(resp) = http.get(&status).send().await
                    && let Ok(body) = resp.json::<Value>().await
                    && body["value"]["ready"] == true
                {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await;
        match ready {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("{why}: {}", self.log()),
            Err(_) => panic!(
                "chromedriver not ready within {STEP_TIMEOUT:?}: {}",
                self.log()
            ),
        }
    }

    /// A WebDriver session on a headless Chromium with a fresh profile.
    async fn session(&self, chromium: &Path) -> Browser {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            self.dir.join("profile").display()
        ));
        args.push("--window-size=1280,900".to_owned());
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        tokio::time::timeout(
            STEP_TIMEOUT,
            ClientBuilder::new(connector)
                .capabilities(capabilities)
                .connect(&format!("http://127.0.0.1:{}", self.port)),
        )
        .await
        .unwrap_or_else(|_| panic!("no browser session within {STEP_TIMEOUT:?}"))
        .unwrap_or_else(|e| {
            panic!(
                "starting Chromium through chromedriver: {e}: {}",
                self.log()
            )
        })
    }

    /// The end of chromedriver's log, for failure messages.
    fn log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("chromedriver.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole process group: chromedriver and every Chromium process it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

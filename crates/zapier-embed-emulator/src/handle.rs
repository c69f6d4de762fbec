//! A running emulator: [`EmulatorHandle`] (address, shutdown) and [`StartError`].

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::server::Emulator;

/// Failure to start the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use zapier_embed_emulator::{Emulator, StartError};
/// let first = Emulator::builder().start().await.unwrap();
/// // The port is taken: a second emulator cannot bind it.
/// let err = Emulator::builder().addr(first.addr()).start().await.unwrap_err();
/// assert!(matches!(err, StartError::Bind { addr, .. } if addr == first.addr()));
/// first.shutdown().await;
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// Requested address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// A running emulator. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use zapier_embed_emulator::{Emulator, EmulatorHandle};
/// let handle: EmulatorHandle = Emulator::builder().start().await.unwrap();
/// let clock: serde_json::Value = reqwest::get(format!("{}/_emulator/clock", handle.base_url()))
///     .await.unwrap().json().await.unwrap();
/// assert!(clock["now"].is_string());
/// handle.shutdown().await;
/// # }
/// ```
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    emulator: Emulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// Binds the emulator's configured address and serves its router in a background task.
    pub(crate) async fn serve(emulator: Emulator) -> Result<Self, StartError> {
        let addr = emulator.config().addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = emulator.router();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(EmulatorHandle {
            addr: local,
            emulator,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The bound address.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// assert!(handle.addr().ip().is_loopback());
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// assert_eq!(handle.base_url(), format!("http://{}", handle.addr()));
    /// # }
    /// ```
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The emulator (control helpers).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// assert_eq!(handle.emulator().stats().lease_requests, 0);
    /// # }
    /// ```
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops accepting connections and waits (at most one second, since SSE streams never end by
    /// themselves) for open ones to finish.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// let url = handle.base_url();
    /// handle.shutdown().await;
    /// assert!(reqwest::get(format!("{url}/openapi.json")).await.is_err());
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

//! Downloads into a content-addressed cache: `<cache>/sha256/<hex>/<file name>`, verified against the pinned
//! sha256 before anyone reads it.
//!
//! - A download goes to `<cache>/partial/<hex>.part` first; an interrupted one is resumed with an HTTP `Range`
//!   request (a server that ignores the range sends the whole file again, which is fine too).
//! - 5xx, 408 and 429 answers, timeouts and connection errors are retried with exponential backoff; other
//!   answers fail at once. A checksum mismatch fails at once (after one fresh download when the bytes came from
//!   a resumed partial file, which an older download may have left).
//! - A cached file is hashed again before each use; a corrupt one is downloaded again.
//! - Bearer tokens come from the environment, are marked sensitive (redacted from reqwest's debug output) and
//!   never enter a message, a log line, the report or the database.
//! - Two processes fetching the same file take turns on an OS lock of its partial file.
//! - A file larger than `fetch.max_bytes` is refused, from the announced length before a byte is written, else
//!   as soon as the bytes written pass the limit; the partial file is removed (no retry: it would be as large).

use crate::error::{Error, Result};
use crate::spec::{FetchSettings, UrlInput};
use ecoref_model::Sha256Writer;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_RANGE, HeaderValue, RANGE};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tracing::{info, warn};

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The download cache: files by sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with this sha256 is read from once fetched.
    pub fn path_of(&self, sha256: &str, file_name: &str) -> PathBuf {
        self.root.join("sha256").join(sha256).join(file_name)
    }

    fn partial_path(&self, sha256: &str) -> PathBuf {
        self.root.join("partial").join(format!("{sha256}.part"))
    }

    fn error(&self, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.to_path_buf();
        move |source| Error::Cache { path, source }
    }
}

/// What fetching one input did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fetched {
    /// The verified file in the cache.
    pub path: PathBuf,
    pub sha256: String,
    pub size_bytes: u64,
    /// The URL (the pipeline refuses URLs with credentials, so it holds none).
    pub url: String,
    /// Found in the cache: no request was sent.
    pub from_cache: bool,
    /// HTTP requests sent (0 from the cache).
    pub n_attempts: u32,
    /// Bytes received over the network in this run.
    pub bytes_downloaded: u64,
    /// The offset of the first resumed request, when a partial download was resumed.
    pub resumed_from: Option<u64>,
}

/// Progress callback: bytes in the partial file so far, and the full size when the server said.
pub type ProgressFn = dyn Fn(u64, Option<u64>) + Send + Sync;

/// An HTTP client over a cache, with one pipeline's retry and timeout settings.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    cache: Cache,
    settings: FetchSettings,
}

/// How one attempt ended when it did not complete the download.
enum AttemptError {
    /// Worth another attempt (after the backoff).
    Retry(String),
    /// Not worth another attempt.
    Fatal(Error),
}

impl Fetcher {
    /// A client with the settings' timeouts. TLS is rustls with the ring provider and the system's roots.
    pub fn new(cache: Cache, settings: FetchSettings) -> Result<Fetcher> {
        // Installing twice (a second fetcher in the same process) is refused and harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("ecoref/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .build()
            .map_err(|e| Error::Client(error_chain(&e)))?;
        Ok(Fetcher { client, cache, settings })
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The file of `input`, from the cache when it is there and intact, else downloaded, verified and cached.
    /// `what` names the input in messages (`source ecoinvent`).
    pub async fn fetch(&self, input: &UrlInput, what: &str, progress: &ProgressFn) -> Result<Fetched> {
        let url = input.url.to_string();
        let final_path = self.cache.path_of(&input.sha256, &input.file_name);
        if let Some(fetched) = self.read_cached(input, &final_path, &url).await? {
            return Ok(fetched);
        }
        let token = match &input.bearer_env {
            Some(variable) => match std::env::var(variable) {
                Ok(value) if !value.is_empty() => Some(value),
                _ => return Err(Error::MissingCredential { variable: variable.clone(), what: what.to_owned() }),
            },
            None => None,
        };
        let partial = self.cache.partial_path(&input.sha256);
        let parent = partial.parent().unwrap_or(self.cache.root());
        tokio::fs::create_dir_all(parent).await.map_err(self.cache.error(parent))?;
        let _turn = self.take_turn(&partial).await?;
        // Another process may have finished this download while we waited for our turn.
        if let Some(fetched) = self.read_cached(input, &final_path, &url).await? {
            return Ok(fetched);
        }

        let mut n_attempts = 0;
        let mut bytes_downloaded = 0;
        let mut resumed_from = None;
        let mut restarted = false;
        loop {
            n_attempts += 1;
            let offset = file_len(&partial).await;
            if offset > 0 {
                resumed_from.get_or_insert(offset);
            }
            match self.attempt(input, token.as_deref(), &partial, offset, &mut bytes_downloaded, progress).await {
                Ok(()) => {}
                Err(AttemptError::Fatal(error)) => return Err(error),
                Err(AttemptError::Retry(message)) => {
                    if n_attempts > self.settings.retries {
                        return Err(Error::Fetch {
                            url,
                            message: format!("{message} (gave up after {n_attempts} attempts)"),
                        });
                    }
                    let wait = self.backoff(n_attempts);
                    warn!(url = %url, attempt = n_attempts, error = %message, wait_ms = wait.as_millis() as u64,
                          "Download failed; retrying.");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            let (sha256, size_bytes) = hash_file(&partial).await?;
            if sha256 == input.sha256 {
                let dir = final_path.parent().unwrap_or(self.cache.root());
                tokio::fs::create_dir_all(dir).await.map_err(self.cache.error(dir))?;
                tokio::fs::rename(&partial, &final_path).await.map_err(self.cache.error(&final_path))?;
                info!(url = %url, sha256 = %sha256, size_bytes, n_attempts, bytes_downloaded, "Downloaded.");
                return Ok(Fetched {
                    path: final_path,
                    sha256,
                    size_bytes,
                    url,
                    from_cache: false,
                    n_attempts,
                    bytes_downloaded,
                    resumed_from,
                });
            }
            tokio::fs::remove_file(&partial).await.map_err(self.cache.error(&partial))?;
            if resumed_from.is_some() && !restarted {
                // The kept part may come from an older download of other bytes: one fresh download decides.
                warn!(url = %url, "Resumed download does not match its sha256; downloading it again from the start.");
                restarted = true;
                resumed_from = None;
                continue;
            }
            return Err(Error::ChecksumMismatch { url, expected: input.sha256.clone(), actual: sha256, size_bytes });
        }
    }

    /// The cached file when it is there and intact; a corrupt one is removed.
    async fn read_cached(&self, input: &UrlInput, path: &Path, url: &str) -> Result<Option<Fetched>> {
        if !tokio::fs::try_exists(path).await.unwrap_or(false) {
            return Ok(None);
        }
        let (sha256, size_bytes) = hash_file(path).await?;
        if sha256 != input.sha256 {
            warn!(path = %path.display(), expected = %input.sha256, actual = %sha256,
                  "Cached file is corrupt; fetching it again.");
            tokio::fs::remove_file(path).await.map_err(self.cache.error(path))?;
            return Ok(None);
        }
        info!(url = %url, path = %path.display(), "Input found in the download cache.");
        Ok(Some(Fetched {
            path: path.to_path_buf(),
            sha256,
            size_bytes,
            url: url.to_owned(),
            from_cache: true,
            n_attempts: 0,
            bytes_downloaded: 0,
            resumed_from: None,
        }))
    }

    /// Waits for an exclusive lock on `<partial>.lock`, held while this process downloads that file.
    async fn take_turn(&self, partial: &Path) -> Result<std::fs::File> {
        let mut name = partial.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(self.cache.error(&path))?;
        let locked = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
            .await
            .map_err(|e| Error::Cache { path: path.clone(), source: std::io::Error::other(e.to_string()) })?;
        locked.map_err(|source| Error::Cache { path, source })
    }

    fn backoff(&self, n_attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(n_attempts.saturating_sub(1).min(16));
        self.settings.backoff.saturating_mul(factor).min(MAX_BACKOFF)
    }

    /// One request: appends what arrives to the partial file (from `offset`, or from 0 when the server sends
    /// the whole file).
    async fn attempt(
        &self,
        input: &UrlInput,
        token: Option<&str>,
        partial: &Path,
        offset: u64,
        bytes_downloaded: &mut u64,
        progress: &ProgressFn,
    ) -> Result<(), AttemptError> {
        let url = input.url.as_str();
        let mut request = self.client.get(input.url.clone());
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                AttemptError::Fatal(Error::Fetch {
                    url: url.to_owned(),
                    message: format!(
                        "the token in {} is not a valid header value",
                        input.bearer_env.as_deref().unwrap_or("the environment")
                    ),
                })
            })?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        if offset > 0 {
            request = request.header(RANGE, format!("bytes={offset}-"));
        }
        let mut response = request.send().await.map_err(|e| classify(&e))?;
        let status = response.status();
        let append = match status {
            StatusCode::PARTIAL_CONTENT if offset > 0 => {
                let start = response
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes "))
                    .and_then(|v| v.split('-').next())
                    .and_then(|v| v.parse::<u64>().ok());
                if start != Some(offset) {
                    // Not the range we asked for: start over rather than splice bytes at the wrong place.
                    truncate(partial).await.map_err(|e| AttemptError::Fatal(self.cache.error(partial)(e)))?;
                    return Err(AttemptError::Retry(format!("the server resumed at {start:?}, not at {offset}")));
                }
                true
            }
            StatusCode::OK | StatusCode::PARTIAL_CONTENT => false,
            StatusCode::RANGE_NOT_SATISFIABLE if offset > 0 => {
                // The partial file may be complete already: the checksum decides.
                return Ok(());
            }
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT || s == StatusCode::TOO_MANY_REQUESTS => {
                return Err(AttemptError::Retry(format!("the server answered {s}")));
            }
            s => {
                let hint = match s {
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => match &input.bearer_env {
                        Some(variable) => format!(" (check the token in {variable})"),
                        None => " (a token may be needed: bearer_env)".to_owned(),
                    },
                    _ => String::new(),
                };
                return Err(AttemptError::Fatal(Error::Fetch {
                    url: url.to_owned(),
                    message: format!("the server answered {s}{hint}"),
                }));
            }
        };
        let total = response.content_length().map(|n| if append { n + offset } else { n });
        let too_large = |size: u64, how: &str| {
            AttemptError::Fatal(Error::Fetch {
                url: url.to_owned(),
                message: format!(
                    "the file is larger than fetch.max_bytes = {} ({how} {size} bytes); raise [fetch] max_bytes if it is \
                     expected",
                    self.settings.max_bytes
                ),
            })
        };
        if let Some(total) = total.filter(|t| *t > self.settings.max_bytes) {
            // Nothing of it is kept: a resumed part of a file this large is as unwanted.
            let _ = tokio::fs::remove_file(partial).await;
            return Err(too_large(total, "the server announces"));
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(partial)
            .await
            .map_err(|e| AttemptError::Fatal(self.cache.error(partial)(e)))?;
        let mut written = if append { offset } else { 0 };
        let io_error = |e| AttemptError::Fatal(self.cache.error(partial)(e));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if written + chunk.len() as u64 > self.settings.max_bytes {
                        drop(file);
                        let _ = tokio::fs::remove_file(partial).await;
                        return Err(too_large(written + chunk.len() as u64, "at least"));
                    }
                    file.write_all(&chunk).await.map_err(io_error)?;
                    written += chunk.len() as u64;
                    *bytes_downloaded += chunk.len() as u64;
                    progress(written, total);
                }
                Ok(None) => break,
                Err(e) => {
                    file.flush().await.map_err(io_error)?;
                    return Err(AttemptError::Retry(format!(
                        "the download stopped after {written} bytes: {}",
                        error_chain(&e)
                    )));
                }
            }
        }
        file.flush().await.map_err(io_error)?;
        file.sync_all().await.map_err(io_error)?;
        Ok(())
    }
}

/// Retry on timeouts, connection and transfer errors; fail on anything else (a bad URL, a redirect loop).
fn classify(error: &reqwest::Error) -> AttemptError {
    let message = error_chain(error);
    if error.is_timeout() || error.is_connect() || error.is_request() || error.is_body() {
        AttemptError::Retry(message)
    } else {
        AttemptError::Fatal(Error::Fetch { url: error.url().map(|u| u.to_string()).unwrap_or_default(), message })
    }
}

/// An error with its causes, `a: b: c` (reqwest's own message is terse).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

async fn file_len(path: &Path) -> u64 {
    tokio::fs::metadata(path).await.map(|m| m.len()).unwrap_or(0)
}

async fn truncate(path: &Path) -> std::io::Result<()> {
    tokio::fs::OpenOptions::new().write(true).truncate(true).open(path).await.map(drop)
}

/// sha256 (lowercase hex) and size of a file, hashed off the async runtime.
pub async fn hash_file(path: &Path) -> Result<(String, u64)> {
    let owned = path.to_path_buf();
    let hashed = tokio::task::spawn_blocking(move || -> std::io::Result<(String, u64)> {
        let mut file = std::fs::File::open(&owned)?;
        let mut writer = Sha256Writer::new();
        std::io::copy(&mut file, &mut writer)?;
        let (sha256, size_bytes) = writer.finish();
        Ok((sha256.0, size_bytes))
    })
    .await
    .map_err(|e| Error::ReadInput { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })?;
    hashed.map_err(|source| Error::ReadInput { path: path.to_path_buf(), source })
}

/// Checks a local input against its pin before anything reads it: the file must exist, be a file and hash to
/// `sha256`.
pub async fn verify_local_file(path: &Path, sha256: &str) -> Result<u64> {
    let metadata =
        tokio::fs::metadata(path).await.map_err(|source| Error::ReadInput { path: path.to_path_buf(), source })?;
    if !metadata.is_file() {
        return Err(Error::PinnedNotAFile { path: path.to_path_buf() });
    }
    let (actual, size_bytes) = hash_file(path).await?;
    if actual != sha256 {
        return Err(Error::FileChecksumMismatch { path: path.to_path_buf(), expected: sha256.to_owned(), actual });
    }
    Ok(size_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_paths_are_content_addressed() {
        let cache = Cache::new("/var/cache/ecoref");
        assert_eq!(cache.path_of("ab12", "x.zip"), PathBuf::from("/var/cache/ecoref/sha256/ab12/x.zip"));
        assert_eq!(cache.partial_path("ab12"), PathBuf::from("/var/cache/ecoref/partial/ab12.part"));
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let settings = FetchSettings { backoff: Duration::from_millis(500), ..FetchSettings::default() };
        let fetcher = Fetcher::new(Cache::new("/nonexistent"), settings).expect("client");
        let waits: Vec<u128> = (1..=9).map(|n| fetcher.backoff(n).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    }

    #[tokio::test]
    async fn local_pins_are_checked_before_reading() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("a.csv");
        std::fs::write(&file, b"abc").expect("write");
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(verify_local_file(&file, abc).await.expect("pinned"), 3);
        let wrong = "0".repeat(64);
        let message = verify_local_file(&file, &wrong).await.expect_err("mismatch").to_string();
        assert!(message.contains("sha256 mismatch") && message.contains(abc), "{message}");
        let message = verify_local_file(dir.path(), abc).await.expect_err("a directory").to_string();
        assert!(message.contains("not a file"), "{message}");
    }
}

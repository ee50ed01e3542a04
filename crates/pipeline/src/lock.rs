//! The run lock: one pipeline run at a time per database. The store holds the lock (a PostgreSQL session
//! advisory lock, or an OS lock on a file next to the SQLite database); this module waits for it.

use crate::error::{Error, Result};
use ecoref_store::{PipelineLock, Store};
use std::time::{Duration, Instant};
use tracing::info;

/// How often a waiting run asks again.
const POLL: Duration = Duration::from_millis(250);

/// Takes the database's pipeline lock, waiting up to `wait` for another run to release it; `holder` is what a
/// refused run is told. Gives up with [`Error::Locked`], having written nothing.
pub async fn acquire_lock(store: &Store, holder: &str, wait: Duration) -> Result<PipelineLock> {
    let started = Instant::now();
    let mut said = false;
    loop {
        if let Some(lock) = store.try_lock_pipeline(holder).await? {
            if said {
                info!(waited_ms = started.elapsed().as_millis() as u64, "Pipeline lock taken.");
            }
            return Ok(lock);
        }
        let waited = started.elapsed();
        if waited >= wait {
            let holder = store.pipeline_lock_holder().await.ok().flatten().unwrap_or_else(|| "unknown".to_owned());
            return Err(Error::Locked { holder, waited });
        }
        if !said {
            let holder = store.pipeline_lock_holder().await.ok().flatten().unwrap_or_else(|| "unknown".to_owned());
            info!(holder = %holder, wait_secs = wait.as_secs(), "Another pipeline run holds the lock; waiting.");
            said = true;
        }
        tokio::time::sleep(POLL.min(wait - waited)).await;
    }
}

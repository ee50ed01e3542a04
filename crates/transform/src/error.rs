//! The error type of the transforms: only conditions a caller must handle, never bad source data (a diagnostic).

use thiserror::Error;

/// A transform that cannot produce a result.
#[derive(Debug, Error)]
pub enum Error {
    /// No conversion is known between two units for an exchange (never silently a factor of 1).
    #[error("process {process}, exchange {exchange}: no known conversion from unit {from:?} to unit {to:?}")]
    UnknownConversion { process: String, exchange: String, from: String, to: String },
    /// An exchange has no unit, so its amount cannot be converted.
    #[error("process {process}, exchange {exchange}: the exchange has no unit")]
    MissingUnit { process: String, exchange: String },
    /// A report could not be serialized.
    #[error("cannot serialize the {what} as json")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// Result of a transform.
pub type Result<T, E = Error> = std::result::Result<T, E>;

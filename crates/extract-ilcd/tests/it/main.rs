//! Integration tests of the ILCD reader against the real fixtures and hand-built hostile inputs.

mod fixtures;
mod hostile;
mod support;

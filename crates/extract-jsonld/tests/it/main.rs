//! Integration tests of the openLCA JSON-LD reader against the real fixtures, golden dumps and hostile inputs.

mod fixtures;
mod golden;
mod hostile;
mod support;

//! Integration tests of the SimaPro CSV reader against the real fixtures, golden dumps and hand-built inputs.

mod fixtures;
mod golden;
mod hostile;
mod support;

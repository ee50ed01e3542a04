//! Integration tests of the Brightway reader against the real fixtures, golden dumps and hostile inputs.

mod fixtures;
mod golden;
mod hostile;
mod support;

//! Integration tests of the Ecobalyse reader against the reference files, a golden dump and broken inputs.

mod fixtures;
mod golden;
mod hostile;
mod support;

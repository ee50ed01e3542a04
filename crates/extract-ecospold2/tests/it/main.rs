//! Integration tests of the EcoSpold2 reader against the real fixtures, archives and hand-built hostile inputs.

mod archives;
mod fixtures;
mod golden;
mod hostile;
mod linking;
mod support;

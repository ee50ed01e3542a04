//! Integration tests of the transforms on real fixtures (through the readers) and hand-built datasets.

mod allocation;
mod link;
mod mapping;
mod support;
mod units;
mod validate;

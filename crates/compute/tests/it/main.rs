//! Integration tests of ecoref-compute: bw2calc goldens, properties, scores, errors, reproducibility.

mod bw2calc;
mod errors;
mod properties;
mod reproducibility;
mod scores;
mod support;

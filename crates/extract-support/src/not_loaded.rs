//! Entries a reader leaves out on purpose, summarized as one info diagnostic per reason.

use ecoref_model::Diagnostic;
use std::collections::BTreeMap;

/// Documents not loaded, by reason: how many, and the first one met.
#[derive(Debug, Default)]
pub struct NotLoaded {
    by_reason: BTreeMap<&'static str, (u64, String)>,
}

impl NotLoaded {
    /// Records that `file` is not loaded, for `reason` (a plural noun phrase: `files without an .xml extension`).
    pub fn record(&mut self, reason: &'static str, file: &str) {
        let entry = self.by_reason.entry(reason).or_insert_with(|| (0, file.to_owned()));
        entry.0 += 1;
    }

    /// One info diagnostic `code` per reason, in reason order: `N file(s) skipped: <reason> are not loaded (first:
    /// <file>)`, located in the first file.
    pub fn into_diagnostics(self, code: &str) -> impl Iterator<Item = Diagnostic> + '_ {
        self.by_reason.into_iter().map(move |(reason, (count, first))| {
            Diagnostic::info(code, format!("{count} file(s) skipped: {reason} are not loaded (first: {first})"))
                .in_file(first)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_diagnostic_per_reason_naming_the_first_file() {
        let mut not_loaded = NotLoaded::default();
        not_loaded.record("b things", "x");
        not_loaded.record("a things", "y");
        not_loaded.record("b things", "z");
        let messages: Vec<String> = not_loaded.into_diagnostics("r.not-loaded").map(|d| d.message).collect();
        assert_eq!(
            messages,
            [
                "1 file(s) skipped: a things are not loaded (first: y)",
                "2 file(s) skipped: b things are not loaded (first: x)"
            ]
        );
    }
}

//! Data set version strings (`NN.NN.NNN` in ILCD and openLCA): which of two copies of a data set is newer.

use std::cmp::Ordering;

/// Compares dotted versions numerically, part by part; a missing version is the oldest. Parts that are not
/// numbers compare as text after the numeric ones; equal keys fall back to the text itself, so the order is total.
pub fn compare_versions(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => {
            let key = |v: &str| -> Vec<(u64, String)> {
                v.trim()
                    .split('.')
                    .map(|p| match p.parse::<u64>() {
                        Ok(n) => (n, String::new()),
                        Err(_) => (u64::MAX, p.to_owned()),
                    })
                    .collect()
            };
            key(a).cmp(&key(b)).then_with(|| a.cmp(b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions(Some("02.00.000"), Some("01.10.000")), Ordering::Greater);
        assert_eq!(compare_versions(Some("01.00.010"), Some("01.00.9")), Ordering::Greater);
        assert_eq!(compare_versions(Some("00.00.042"), Some("00.00.9")), Ordering::Greater);
        assert_eq!(compare_versions(Some("01.00.000"), Some("01.00.000")), Ordering::Equal);
        assert_eq!(compare_versions(None, Some("00.00.000")), Ordering::Less);
    }
}

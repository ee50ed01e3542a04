//! Process search over one release: text in name or id, classification prefix, location, source; results in
//! name order. Everything is prepared once when the release loads: the lowercased `name\nid` of every process
//! in one haystack (a text query is one SIMD substring scan per word, `memchr::memmem`, not one search per
//! process), and the lowercased category, location and source of each process.

use ecoref_score::LoadedRelease;
use memchr::memmem;

/// A process as the index sees it: `(id, name, classification, location, dataset)`.
type Row<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, &'a str);

/// Separates the processes' texts in the haystack; no query word can contain it (see [`Query::new`]).
const SEPARATOR: u8 = 0;

/// Lowercased search fields of every process, and the processes in name order.
#[derive(Debug)]
pub(crate) struct SearchIndex {
    /// `name\nid` of every process (in the release's order), lowercased, each followed by [`SEPARATOR`].
    haystack: Vec<u8>,
    /// Where each process's text starts in `haystack`.
    starts: Vec<usize>,
    /// Per process: classification path lowercased, segments joined by `/` without spaces around it.
    category: Vec<String>,
    /// Per process: location, lowercased.
    location: Vec<String>,
    /// Per process: source name (`volca` of `volca@1`), lowercased.
    source: Vec<String>,
    /// Process indices sorted by (name, id).
    by_name: Vec<usize>,
}

/// A search query; every given criterion must hold (all lowercase already, see [`Query::new`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    terms: Vec<String>,
    category: Option<String>,
    location: Option<String>,
    source: Option<String>,
}

impl Query {
    /// `text` is split on whitespace (every word must occur in the name or the id), `category` is a classification
    /// prefix matched segment by segment (`Energy` matches `Energy / Hard coal`, not `Energyx`), `location` and
    /// `source` match exactly; all case-insensitive. Empty strings are no criterion.
    pub(crate) fn new(
        text: Option<&str>,
        category: Option<&str>,
        location: Option<&str>,
        source: Option<&str>,
    ) -> Query {
        let clean = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        Query {
            terms: text.map(|t| t.split_whitespace().map(str::to_lowercase).collect()).unwrap_or_default(),
            category: clean(category).map(|c| normalize_category(&c)),
            location: clean(location),
            source: clean(source).map(|s| s.split('@').next().unwrap_or("").to_owned()),
        }
    }
}

fn normalize_category(path: &str) -> String {
    path.split('/').map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/")
}

impl SearchIndex {
    pub(crate) fn new(release: &LoadedRelease) -> SearchIndex {
        let processes = release.processes();
        let rows: Vec<Row<'_>> = processes
            .iter()
            .map(|p| {
                (p.id.as_str(), p.name.as_str(), p.classification.as_deref(), p.location.as_deref(), p.dataset.as_str())
            })
            .collect();
        SearchIndex::from_rows(&rows)
    }

    /// One row per process, in the release's order.
    fn from_rows(rows: &[Row<'_>]) -> SearchIndex {
        let mut haystack = Vec::new();
        let mut starts = Vec::with_capacity(rows.len());
        for (id, name, ..) in rows {
            starts.push(haystack.len());
            // A name or id with the separator in it cannot be matched across it: replace it.
            let text = format!("{name}\n{id}").to_lowercase().replace(char::from(SEPARATOR), " ");
            haystack.extend_from_slice(text.as_bytes());
            haystack.push(SEPARATOR);
        }
        let mut by_name: Vec<usize> = (0..rows.len()).collect();
        by_name.sort_by(|&a, &b| (rows[a].1, rows[a].0).cmp(&(rows[b].1, rows[b].0)));
        let lower = |s: Option<&str>| s.map(str::to_lowercase).unwrap_or_default();
        SearchIndex {
            haystack,
            starts,
            category: rows.iter().map(|r| normalize_category(&lower(r.2))).collect(),
            location: rows.iter().map(|r| lower(r.3)).collect(),
            source: rows.iter().map(|r| r.4.split('@').next().unwrap_or("").to_lowercase()).collect(),
            by_name,
        }
    }

    /// Which processes contain every word of the query in their text (`None`: no text criterion).
    fn text_matches(&self, terms: &[String]) -> Option<Vec<bool>> {
        let mut matches: Option<Vec<bool>> = None;
        for term in terms {
            let mut found = vec![false; self.starts.len()];
            if !term.as_bytes().contains(&SEPARATOR) {
                for position in memmem::find_iter(&self.haystack, term.as_bytes()) {
                    // The process whose text holds the hit (texts never span a separator, and neither do words).
                    let process = self.starts.partition_point(|&start| start <= position) - 1;
                    found[process] = true;
                }
            }
            matches = Some(match matches {
                None => found,
                Some(previous) => previous.iter().zip(found).map(|(a, b)| *a && b).collect(),
            });
        }
        matches
    }

    fn matches(&self, process: usize, query: &Query) -> bool {
        query.category.as_ref().is_none_or(|c| {
            let path = &self.category[process];
            path.starts_with(c.as_str()) && matches!(path.as_bytes().get(c.len()), None | Some(b'/'))
        }) && query.location.as_ref().is_none_or(|l| self.location[process] == *l)
            && query.source.as_ref().is_none_or(|s| self.source[process] == *s)
    }

    /// The matching processes in name order: the total count and the indices of the page `[offset, offset+limit)`.
    pub(crate) fn search(&self, query: &Query, offset: usize, limit: usize) -> (usize, Vec<usize>) {
        let text = self.text_matches(&query.terms);
        let mut total = 0;
        let mut page = Vec::with_capacity(limit.min(64));
        for &process in &self.by_name {
            if text.as_ref().is_none_or(|t| t[process]) && self.matches(process, query) {
                if total >= offset && page.len() < limit {
                    page.push(process);
                }
                total += 1;
            }
        }
        (total, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex::from_rows(&[
            ("p1", "Coal extraction", Some("Energy / Hard coal"), Some("GLO"), "volca@1"),
            ("p2", "Electricity, hard coal", Some("Energy / Electricity"), Some("FR"), "volca@1"),
            ("p3", "Cotton fibre", Some("Energyx"), Some("CN"), "agri@2"),
            ("p4\0x", "Odd\0name", None, None, "agri@2"),
        ])
    }

    #[test]
    fn criteria_combine_and_match_case_insensitively() {
        let index = index();
        let ids = |q: Query| index.search(&q, 0, 10).1;
        assert_eq!(ids(Query::new(Some("COAL"), None, None, None)), [0, 1]);
        assert_eq!(ids(Query::new(Some("hard electricity"), None, None, None)), [1]);
        assert_eq!(ids(Query::new(Some("p3"), None, None, None)), [2], "ids are searched too");
        assert_eq!(ids(Query::new(Some("coal p2"), None, None, None)), [1], "name and id words together");
        assert_eq!(ids(Query::new(Some("fibre\ncotton"), None, None, None)), [2]);
        assert_eq!(ids(Query::new(Some("extraction electricity"), None, None, None)), Vec::<usize>::new());
        assert_eq!(ids(Query::new(Some("\0"), None, None, None)), Vec::<usize>::new(), "the separator never matches");
        assert_eq!(ids(Query::new(Some("odd name"), None, None, None)), [3]);
        assert_eq!(ids(Query::new(None, Some("energy"), None, None)), [0, 1], "segment prefix, not Energyx");
        assert_eq!(ids(Query::new(None, Some(" Energy/Hard coal "), None, None)), [0]);
        assert_eq!(ids(Query::new(None, None, Some("fr"), None)), [1]);
        assert_eq!(ids(Query::new(None, None, None, Some("agri@2"))), [2, 3]);
        assert_eq!(ids(Query::new(Some(""), Some(""), Some(" "), None)), [0, 2, 1, 3], "empty is no criterion");
    }

    #[test]
    fn pages_count_every_match() {
        let index = index();
        assert_eq!(index.search(&Query::default(), 1, 1), (4, vec![2]));
        assert_eq!(index.search(&Query::default(), 5, 10), (4, vec![]));
        assert_eq!(index.search(&Query::new(Some("o"), None, None, None), 0, 2), (4, vec![0, 2]));
    }
}

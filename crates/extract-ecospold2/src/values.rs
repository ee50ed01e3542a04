//! Small value helpers shared by the data set and MasterData readers: numbers, language choice, CAS numbers,
//! uncertainty and the diagnostic builder.

use crate::xml::Node;
use ecoref_model::{Diagnostic, Metadata, Severity, Uncertainty};
use std::fmt;

/// Where diagnostics of one document point: the file and the entity being read.
#[derive(Debug, Clone)]
pub(crate) struct Site<'a> {
    pub(crate) file: &'a str,
    pub(crate) entity: Option<&'a str>,
}

impl Site<'_> {
    pub(crate) fn diagnostic(
        &self,
        severity: Severity,
        code: &str,
        message: String,
        node: Option<Node<'_>>,
        element: impl fmt::Display,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(severity, code, message).in_file(self.file);
        if let Some(node) = node {
            d = d.at_line(node.line(), None);
        }
        let element = element.to_string();
        if !element.is_empty() {
            d = d.at_element(element);
        }
        if let Some(entity) = self.entity {
            d = d.for_entity(entity);
        }
        d
    }
}

/// Parses a number bit-exactly as written (`str::parse::<f64>` of the trimmed text); `None` when it is not a
/// finite number.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads numeric attribute `name` of `node`: `Ok(None)` when absent, `Err(raw)` when present but not a number.
pub(crate) fn number_attr<'a>(node: Node<'a>, name: &str) -> Result<Option<f64>, &'a str> {
    match node.attr(name) {
        None => Ok(None),
        Some(raw) => parse_number(raw).map(Some).ok_or(raw),
    }
}

fn is_preferred_language(node: Node<'_>) -> bool {
    matches!(node.attr("lang"), None | Some("en"))
}

/// Text of the child `name` in English (or without a language), else in the first language given.
pub(crate) fn localized<'a>(node: Node<'a>, name: &'a str) -> Option<&'a str> {
    let mut first = None;
    for child in node.children_named(name) {
        if let Some(text) = child.text() {
            if is_preferred_language(child) {
                return Some(text);
            }
            first.get_or_insert(text);
        }
    }
    first
}

/// All texts of the children `name` in English or without a language (else those of the first language seen),
/// in source order.
pub(crate) fn localized_all<'a>(node: Node<'a>, name: &'a str) -> Vec<&'a str> {
    let preferred: Vec<&str> =
        node.children_named(name).filter(|c| is_preferred_language(*c)).filter_map(Node::text).collect();
    if !preferred.is_empty() {
        return preferred;
    }
    let first_lang = node.children_named(name).find_map(|c| c.attr("lang"));
    node.children_named(name).filter(|c| c.attr("lang") == first_lang).filter_map(Node::text).collect()
}

/// A text block (`generalComment`, `comment` with `text[@index]` children, or plain text): the texts ordered by
/// index and joined by newlines.
pub(crate) fn text_block(node: Node<'_>) -> Option<String> {
    let mut parts: Vec<(i64, &str)> = node
        .children_named("text")
        .filter(|c| is_preferred_language(*c))
        .enumerate()
        .filter_map(|(position, c)| {
            let index = c.attr("index").and_then(|i| i.parse::<i64>().ok()).unwrap_or(position as i64);
            c.text().map(|t| (index, t))
        })
        .collect();
    if parts.is_empty() {
        return node.text().map(str::to_owned);
    }
    parts.sort_by_key(|(index, _)| *index);
    Some(parts.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join("\n"))
}

/// CAS number without zero padding (`000071-41-0` → `71-41-0`); other text is kept trimmed as written.
pub(crate) fn normalize_cas(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let mut parts = raw.split('-');
    let (Some(first), Some(second), Some(check), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Some(raw.to_owned());
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(first) && all_digits(second) && all_digits(check)) {
        return Some(raw.to_owned());
    }
    let first = first.trim_start_matches('0');
    if first.is_empty() {
        return Some(raw.to_owned());
    }
    Some(format!("{first}-{second}-{check}"))
}

/// Distribution elements of EcoSpold2 `uncertainty`.
const DISTRIBUTIONS: [&str; 8] =
    ["lognormal", "normal", "triangular", "uniform", "beta", "gamma", "binominal", "undefined"];

/// Reads an `uncertainty` element: the distribution with every numeric attribute as a parameter, and the pedigree
/// matrix and comment into `metadata`. Non-numeric parameters become warnings.
pub(crate) fn read_uncertainty(
    node: Node<'_>,
    site: &Site<'_>,
    element: &dyn fmt::Display,
    metadata: &mut Metadata,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Uncertainty> {
    let mut uncertainty = None;
    for child in node.children() {
        if DISTRIBUTIONS.contains(&child.name()) && uncertainty.is_none() {
            let mut u = Uncertainty { distribution: child.name().to_ascii_lowercase(), ..Uncertainty::default() };
            for (key, raw) in child.attrs() {
                match parse_number(raw) {
                    Some(value) => {
                        u.parameters.insert((*key).to_owned(), value);
                        match *key {
                            "minValue" => u.minimum = Some(value),
                            "maxValue" => u.maximum = Some(value),
                            _ => {}
                        }
                    }
                    None => diagnostics.push(site.diagnostic(
                        Severity::Warning,
                        "ecospold2.invalid-number",
                        format!("uncertainty parameter {key}={raw:?} of {element} is not a finite number"),
                        Some(child),
                        element,
                    )),
                }
            }
            uncertainty = Some(u);
        } else if child.name() == "pedigreeMatrix" {
            let score = |name| child.attr(name).unwrap_or("?");
            metadata.insert(
                "pedigree".to_owned(),
                format!(
                    "({},{},{},{},{})",
                    score("reliability"),
                    score("completeness"),
                    score("temporalCorrelation"),
                    score("geographicalCorrelation"),
                    score("furtherTechnologyCorrelation")
                ),
            );
        } else if child.name() == "comment"
            && let Some(text) = child.text()
        {
            metadata.insert("uncertainty_comment".to_owned(), text.to_owned());
        }
    }
    uncertainty
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cas_numbers_lose_their_zero_padding_only() {
        assert_eq!(normalize_cas("000071-41-0").as_deref(), Some("71-41-0"));
        assert_eq!(normalize_cas(" 7732-18-5 ").as_deref(), Some("7732-18-5"));
        assert_eq!(normalize_cas("000000-00-0").as_deref(), Some("000000-00-0"));
        assert_eq!(normalize_cas("n/a").as_deref(), Some("n/a"));
        assert_eq!(normalize_cas(""), None);
    }

    #[test]
    fn numbers_are_bit_exact_and_finite() {
        assert_eq!(parse_number("2.83E-4"), Some(2.83e-4));
        assert_eq!(parse_number(" 0.1 ").map(f64::to_bits), Some(0.1f64.to_bits()));
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("1,5"), None);
    }
}

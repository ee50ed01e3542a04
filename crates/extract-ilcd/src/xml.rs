//! A small namespace-resolved element tree for one ILCD document, built with the hardening rules: no DTD, no
//! entity other than the five predefined ones and character references, bounded nesting depth.

use ecoref_extract_support::xml::{LineCounter, XmlError, XmlErrorKind, line_column, malformed, resolve_reference};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// Deepest element nesting accepted; ILCD documents nest about ten levels.
const MAX_DEPTH: usize = 128;

/// The namespaces the reader knows, matched by URI whatever the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    Process,
    Flow,
    FlowProperty,
    UnitGroup,
    LciaMethod,
    Source,
    Contact,
    Common,
    LifeCycleModel,
    Categories,
    Locations,
    Methodologies,
    /// ILCD+EPD extensions, all versions (2013, 2019, 2024).
    Epd,
    Ecn,
    Xml,
    /// No namespace (unprefixed attribute, element without default namespace).
    None,
    Other,
}

impl Ns {
    fn from_uri(uri: &[u8]) -> Ns {
        match uri {
            b"http://lca.jrc.it/ILCD/Process" => Ns::Process,
            b"http://lca.jrc.it/ILCD/Flow" => Ns::Flow,
            b"http://lca.jrc.it/ILCD/FlowProperty" => Ns::FlowProperty,
            b"http://lca.jrc.it/ILCD/UnitGroup" => Ns::UnitGroup,
            b"http://lca.jrc.it/ILCD/LCIAMethod" => Ns::LciaMethod,
            b"http://lca.jrc.it/ILCD/Source" => Ns::Source,
            b"http://lca.jrc.it/ILCD/Contact" => Ns::Contact,
            b"http://lca.jrc.it/ILCD/Common" => Ns::Common,
            b"http://eplca.jrc.ec.europa.eu/ILCD/LifeCycleModel/2017" => Ns::LifeCycleModel,
            b"http://lca.jrc.it/ILCD/Categories" => Ns::Categories,
            b"http://lca.jrc.it/ILCD/Locations" => Ns::Locations,
            b"http://lca.jrc.it/ILCD/LCIAMethodologies" => Ns::Methodologies,
            b"http://www.iai.kit.edu/EPD/2013"
            | b"http://www.indata.network/EPD/2019"
            | b"http://www.indata.network/EPD/2024" => Ns::Epd,
            b"http://eplca.jrc.ec.europa.eu/ILCD/Extensions/2018/ECNumber" => Ns::Ecn,
            b"http://www.w3.org/XML/1998/namespace" => Ns::Xml,
            _ => Ns::Other,
        }
    }

    fn from_resolved(result: &ResolveResult<'_>) -> Ns {
        match result {
            ResolveResult::Bound(ns) => Ns::from_uri(ns.as_ref().as_bytes()),
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Unknown(_) => Ns::Other,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub(crate) ns: Ns,
    pub(crate) name: String,
    pub(crate) value: String,
}

/// One element: resolved name, attributes, its own text (text and CDATA directly inside it) and children.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) ns: Ns,
    pub(crate) name: String,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) text: String,
    pub(crate) children: Vec<Node>,
    /// 1-based line of the start tag.
    pub(crate) line: u64,
}

impl Node {
    pub(crate) fn is(&self, ns: Ns, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub(crate) fn child(&self, ns: Ns, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub(crate) fn children_named<'a>(&'a self, ns: Ns, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// Follows `steps` from this node, taking the first matching child at each level.
    pub(crate) fn path(&self, steps: &[(Ns, &str)]) -> Option<&Node> {
        let mut node = self;
        for (ns, name) in steps {
            node = node.child(*ns, name)?;
        }
        Some(node)
    }

    pub(crate) fn attr(&self, ns: Ns, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.ns == ns && a.name == name).map(|a| a.value.as_str())
    }

    /// The trimmed text, `None` when empty.
    pub(crate) fn text(&self) -> Option<&str> {
        let text = self.text.trim();
        (!text.is_empty()).then_some(text)
    }
}

/// The outcome of parsing one document.
#[derive(Debug)]
pub(crate) enum Parsed {
    Tree(Node),
    /// The root element was not wanted (`want_root` said no): only its namespace and local name are returned.
    Skipped {
        ns: Ns,
        name: String,
    },
}

/// Parses one document into a tree. `want_root` sees the root's namespace and local name and decides whether the
/// rest of the document is worth building.
pub(crate) fn parse_document(bytes: &[u8], want_root: impl Fn(Ns, &str) -> bool) -> Result<Parsed, XmlError> {
    let mut reader = NsReader::from_reader(bytes);
    let mut lines = LineCounter::default();
    let mut buf = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;

    let fail_at = |offset: u64, kind: XmlErrorKind| {
        let (line, column) = line_column(bytes, usize::try_from(offset).unwrap_or(usize::MAX));
        XmlError { line, column, kind }
    };

    loop {
        let event_start = reader.buffer_position();
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => return Err(fail_at(reader.error_position(), XmlErrorKind::Malformed(e.to_string()))),
        };
        match event {
            Event::DocType(_) => return Err(fail_at(event_start, XmlErrorKind::Dtd)),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                if root.is_some() {
                    return Err(fail_at(event_start, malformed("content after the root element")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(fail_at(event_start, malformed(&format!("elements nested deeper than {MAX_DEPTH}"))));
                }
                let line = lines.line_at(bytes, usize::try_from(event_start).unwrap_or(usize::MAX));
                let node = start_node(&reader, e, line).map_err(|m| fail_at(event_start, malformed(&m)))?;
                if stack.is_empty() && !want_root(node.ns, &node.name) {
                    return Ok(Parsed::Skipped { ns: node.ns, name: node.name });
                }
                if is_empty {
                    close(&mut stack, &mut root, node);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => match stack.pop() {
                Some(node) => close(&mut stack, &mut root, node),
                None => return Err(fail_at(event_start, malformed("unexpected closing tag"))),
            },
            Event::Text(t) => {
                let content = t.xml10_content();
                match stack.last_mut() {
                    Some(node) => node.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(fail_at(event_start, malformed("text outside the root element"))),
                }
            }
            Event::CData(c) => {
                let content = c.xml10_content();
                match stack.last_mut() {
                    Some(node) => node.text.push_str(&content),
                    None => return Err(fail_at(event_start, malformed("cdata outside the root element"))),
                }
            }
            Event::GeneralRef(r) => {
                let resolved = resolve_reference(&r).map_err(|kind| fail_at(event_start, kind))?;
                match stack.last_mut() {
                    Some(node) => node.text.push_str(&resolved),
                    None => return Err(fail_at(event_start, malformed("entity reference outside the root element"))),
                }
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => {
                if let Some(open) = stack.last() {
                    let message = format!("unexpected end of document: <{}> is not closed", open.name);
                    return Err(fail_at(reader.buffer_position(), malformed(&message)));
                }
                return match root {
                    Some(node) => Ok(Parsed::Tree(node)),
                    None => Err(fail_at(reader.buffer_position(), malformed("no root element"))),
                };
            }
        }
    }
}

fn close(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

fn start_node(reader: &NsReader<&[u8]>, e: &BytesStart<'_>, line: u64) -> Result<Node, String> {
    let (resolved, local) = reader.resolver().resolve_element(e.name());
    let ns = Ns::from_resolved(&resolved);
    let name = local.as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let (resolved, local) = reader.resolver().resolve_attribute(key);
        let value = attr.normalized_value(XmlVersion::Implicit1_0).map_err(|e| e.to_string())?;
        attrs.push(Attr {
            ns: Ns::from_resolved(&resolved),
            name: local.as_ref().to_owned(),
            value: value.into_owned(),
        });
    }
    Ok(Node { ns, name, attrs, text: String::new(), children: Vec::new(), line })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Node, XmlError> {
        match parse_document(text.as_bytes(), |_, _| true)? {
            Parsed::Tree(node) => Ok(node),
            Parsed::Skipped { .. } => unreachable!("want_root accepts everything"),
        }
    }

    #[test]
    fn resolves_namespaces_whatever_the_prefix() {
        let node = parse(
            r#"<f:flowDataSet xmlns:f="http://lca.jrc.it/ILCD/Flow" xmlns:c="http://lca.jrc.it/ILCD/Common">
                 <f:x c:a="1" b="2" xml:lang="en">t&amp;u&#65;</f:x></f:flowDataSet>"#,
        )
        .expect("parses");
        assert!(node.is(Ns::Flow, "flowDataSet"));
        let x = node.child(Ns::Flow, "x").expect("child");
        assert_eq!(x.attr(Ns::Common, "a"), Some("1"));
        assert_eq!(x.attr(Ns::None, "b"), Some("2"));
        assert_eq!(x.attr(Ns::Xml, "lang"), Some("en"));
        assert_eq!(x.text(), Some("t&uA"));
        assert_eq!(x.line, 2);
    }

    #[test]
    fn rejects_doctype_and_unknown_entities() {
        let dtd = parse("<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x \"y\">]>\n<a>&x;</a>").unwrap_err();
        assert_eq!(dtd.kind, XmlErrorKind::Dtd);
        assert_eq!((dtd.line, dtd.column), (2, 1));
        let entity = parse("<a>\n  &x;</a>").unwrap_err();
        assert_eq!((entity.line, entity.column), (2, 3));
        assert!(matches!(entity.kind, XmlErrorKind::Malformed(m) if m.contains("unknown entity")));
    }

    #[test]
    fn reports_unclosed_and_mismatched_tags() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a><b>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<a/><b/>").is_err());
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
    }
}

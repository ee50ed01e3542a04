//! A small element tree for one EcoSpold2 document, built with the hardening rules: no DTD, no entity other than
//! the five predefined ones and character references, bounded nesting depth.
//!
//! Elements below the root are matched by local name: openLCA writes `usedUserMasterData` children sometimes in
//! the EcoSpold02 namespace and sometimes in the UsedUserMasterData one, and no two EcoSpold2 namespaces give one
//! local name two meanings. The root's namespace is resolved (from the root's own declarations, the only ones that
//! can bind its name), because it tells EcoSpold1 from EcoSpold2; no other element's namespace is looked up.

use ecoref_extract_support::xml::{LazyLines, XmlError, XmlErrorKind, line_column, malformed, resolve_reference};
use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::reader::Reader;
use quick_xml::utils::is_whitespace;
use std::borrow::Cow;
use std::fmt;

/// Deepest element nesting accepted; EcoSpold2 documents nest about eight levels.
const MAX_DEPTH: usize = 128;

/// The namespace of a document's root element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RootNs {
    EcoSpold02,
    EcoSpold01,
    UsedUserMasterData,
    /// No namespace at all.
    None,
    Other,
}

impl RootNs {
    /// The namespace of the root element `e`: bound by a declaration on the root itself (nothing encloses it).
    fn of_root(e: &BytesStart<'_>) -> Result<RootNs, String> {
        let prefix = e.name().prefix();
        for attr in e.attributes() {
            let attr = attr.map_err(|e| e.to_string())?;
            let declared = match (attr.key.as_namespace_binding(), prefix) {
                (Some(quick_xml::name::PrefixDeclaration::Default), None) => true,
                (Some(quick_xml::name::PrefixDeclaration::Named(name)), Some(prefix)) => name == prefix.as_ref(),
                _ => false,
            };
            if !declared {
                continue;
            }
            let value = attr.normalized_value(XmlVersion::Implicit1_0).map_err(|e| e.to_string())?;
            return Ok(match value.as_ref() {
                // `xmlns=""` undeclares the default namespace.
                "" if prefix.is_none() => RootNs::None,
                "http://www.EcoInvent.org/EcoSpold02" => RootNs::EcoSpold02,
                "http://www.EcoInvent.org/EcoSpold01" => RootNs::EcoSpold01,
                "http://www.EcoInvent.org/UsedUserMasterData" => RootNs::UsedUserMasterData,
                _ => RootNs::Other,
            });
        }
        // No declaration: no namespace, or (with a prefix) an unknown one.
        Ok(if prefix.is_none() { RootNs::None } else { RootNs::Other })
    }
}

/// No node (end of a child or sibling chain).
const NONE: u32 = u32::MAX;

/// One element in the document's arena: local name, attributes (a range of the document's attribute list), its
/// own text (text and CDATA directly inside it) and links to its first and last child and next sibling.
#[derive(Debug)]
struct NodeData<'a> {
    name: &'a str,
    attrs: (u32, u32),
    text: Cow<'a, str>,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
    /// Byte offset of the start tag in the document (its line is found only when asked for).
    start: usize,
}

/// A parsed document: the root's namespace and the element tree, held in two arenas (elements and attributes)
/// so that parsing allocates a few growing lists, not a list per element. Names, and values without escapes,
/// borrow from the document bytes.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    pub(crate) root_ns: RootNs,
    /// `nodes[0]` is the root.
    nodes: Vec<NodeData<'a>>,
    attrs: Vec<(&'a str, Cow<'a, str>)>,
    bytes: &'a [u8],
    lines: LazyLines,
}

impl Document<'_> {
    pub(crate) fn root(&self) -> Node<'_> {
        Node { doc: self, idx: 0 }
    }
}

/// One element of a [`Document`]: a cheap handle; attributes are matched by local name.
#[derive(Clone, Copy)]
pub(crate) struct Node<'d> {
    doc: &'d Document<'d>,
    idx: u32,
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}> at line {}", self.name(), self.line())
    }
}

impl<'d> Node<'d> {
    fn data(self) -> &'d NodeData<'d> {
        &self.doc.nodes[self.idx as usize]
    }

    pub(crate) fn name(self) -> &'d str {
        self.data().name
    }

    /// 1-based line of the start tag.
    pub(crate) fn line(self) -> u64 {
        self.doc.lines.line_at(self.doc.bytes, self.data().start)
    }

    /// The attributes by local name, values as written (entities resolved).
    pub(crate) fn attrs(self) -> &'d [(&'d str, Cow<'d, str>)] {
        let (start, end) = self.data().attrs;
        &self.doc.attrs[start as usize..end as usize]
    }

    pub(crate) fn children(self) -> Children<'d> {
        Children { doc: self.doc, next: self.data().first_child }
    }

    pub(crate) fn has_children(self) -> bool {
        self.data().first_child != NONE
    }

    pub(crate) fn child(self, name: &str) -> Option<Node<'d>> {
        self.children().find(|c| c.name() == name)
    }

    pub(crate) fn children_named<'n>(self, name: &'n str) -> impl Iterator<Item = Node<'d>> + 'n
    where
        'd: 'n,
    {
        self.children().filter(move |c| c.name() == name)
    }

    /// Follows `steps` from this node, taking the first matching child at each level.
    pub(crate) fn path(self, steps: &[&str]) -> Option<Node<'d>> {
        let mut node = self;
        for name in steps {
            node = node.child(name)?;
        }
        Some(node)
    }

    /// The trimmed attribute value, `None` when absent or blank.
    pub(crate) fn attr(self, name: &str) -> Option<&'d str> {
        self.attrs().iter().find(|(k, _)| *k == name).map(|(_, v)| trim(v)).filter(|v| !v.is_empty())
    }

    /// The trimmed text, `None` when empty.
    pub(crate) fn text(self) -> Option<&'d str> {
        let text = trim(&self.data().text);
        (!text.is_empty()).then_some(text)
    }
}

/// The children of an element, in document order.
#[derive(Clone)]
pub(crate) struct Children<'d> {
    doc: &'d Document<'d>,
    next: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = Node<'d>;

    fn next(&mut self) -> Option<Node<'d>> {
        if self.next == NONE {
            return None;
        }
        let node = Node { doc: self.doc, idx: self.next };
        self.next = node.data().next_sibling;
        Some(node)
    }
}

/// Parses one document into a tree. A UTF-8 byte order mark is skipped.
pub(crate) fn parse_document(bytes: &[u8]) -> Result<Document<'_>, XmlError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let (line, column) = line_column(bytes, e.valid_up_to());
            return Err(XmlError { line, column, kind: malformed("invalid UTF-8") });
        }
    };
    // The reader skips a byte order mark and counts its positions after it.
    let bom_len: u64 = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut reader = Reader::from_reader(bytes);
    // Elements are about one per 60 bytes in ecoinvent files.
    let mut doc = Document {
        root_ns: RootNs::None,
        nodes: Vec::with_capacity(bytes.len() / 64),
        attrs: Vec::new(),
        bytes,
        lines: LazyLines::default(),
    };
    // Indices of the open elements.
    let mut stack: Vec<u32> = Vec::new();
    let mut seen = Vec::new();

    let fail_at = |offset: u64, kind: XmlErrorKind| {
        let offset = offset.saturating_add(bom_len);
        let (line, column) = line_column(bytes, usize::try_from(offset).unwrap_or(usize::MAX));
        XmlError { line, column, kind }
    };

    loop {
        let event_start = reader.buffer_position();
        let raw_start = usize::try_from(event_start.saturating_add(bom_len)).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(fail_at(reader.error_position(), XmlErrorKind::Malformed(e.to_string()))),
        };
        match event {
            Event::DocType(_) => return Err(fail_at(event_start, XmlErrorKind::Dtd)),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                if stack.is_empty() && !doc.nodes.is_empty() {
                    return Err(fail_at(event_start, malformed("content after the root element")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(fail_at(event_start, malformed(&format!("elements nested deeper than {MAX_DEPTH}"))));
                }
                if stack.is_empty() {
                    doc.root_ns = RootNs::of_root(e).map_err(|m| fail_at(event_start, malformed(&m)))?;
                }
                let end = usize::try_from(reader.buffer_position().saturating_add(bom_len)).unwrap_or(usize::MAX);
                let idx = start_node(&mut doc, text.get(raw_start..end), e, raw_start, &mut seen)
                    .map_err(|m| fail_at(event_start, malformed(&m)))?;
                if let Some(&parent) = stack.last() {
                    let previous = doc.nodes[parent as usize].last_child;
                    if previous == NONE {
                        doc.nodes[parent as usize].first_child = idx;
                    } else {
                        doc.nodes[previous as usize].next_sibling = idx;
                    }
                    doc.nodes[parent as usize].last_child = idx;
                }
                if !is_empty {
                    stack.push(idx);
                }
            }
            Event::End(_) => {
                if stack.pop().is_none() {
                    return Err(fail_at(event_start, malformed("unexpected closing tag")));
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                match stack.last().map(|&idx| &mut doc.nodes[idx as usize]) {
                    // Indentation between elements: not worth keeping.
                    Some(node) if node.text.is_empty() && trim(&content).is_empty() => {}
                    Some(node) if node.text.is_empty() => node.text = content,
                    Some(node) => node.text.to_mut().push_str(&content),
                    None if content.trim().is_empty() || content.trim() == "\u{feff}" => {}
                    None => return Err(fail_at(event_start, malformed("text outside the root element"))),
                }
            }
            Event::CData(c) => {
                let content = c.xml10_content();
                match stack.last().map(|&idx| &mut doc.nodes[idx as usize]) {
                    Some(node) => node.text.to_mut().push_str(&content),
                    None => return Err(fail_at(event_start, malformed("cdata outside the root element"))),
                }
            }
            Event::GeneralRef(r) => {
                let resolved = resolve_reference(&r).map_err(|kind| fail_at(event_start, kind))?;
                match stack.last().map(|&idx| &mut doc.nodes[idx as usize]) {
                    Some(node) => node.text.to_mut().push_str(&resolved),
                    None => return Err(fail_at(event_start, malformed("entity reference outside the root element"))),
                }
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => {
                if let Some(&open) = stack.last() {
                    let message =
                        format!("unexpected end of document: <{}> is not closed", doc.nodes[open as usize].name);
                    return Err(fail_at(reader.buffer_position(), malformed(&message)));
                }
                if doc.nodes.is_empty() {
                    return Err(fail_at(reader.buffer_position(), malformed("no root element")));
                }
                return Ok(doc);
            }
        }
    }
}

/// `text.trim()`, without its search when the first and last bytes are ASCII and not white space, as nearly every
/// value and text is (`str::trim` decodes characters at both ends: 1.7 % of an EcoSpold2 read's instructions).
/// Other text goes to `str::trim`, so Unicode white space (a no-break space, say) is trimmed as before.
pub(crate) fn trim(text: &str) -> &str {
    let plain = |b: &u8| b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ');
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if plain(first) && plain(last) => text,
        _ => text.trim(),
    }
}

fn local_name(qualified: &str) -> &str {
    // Names are a few bytes: a plain scan beats a vectorized search here.
    match qualified.bytes().rposition(|b| b == b':') {
        Some(colon) => &qualified[colon + 1..],
        None => qualified,
    }
}

/// Adds the element of the raw start tag `raw` (`<name attrs>` or `<name attrs/>`) to `doc` and returns its index;
/// its name and escape-free values borrow from the document instead of being copied.
///
/// `seen` is scratch space for the attribute names of one tag (kept by the caller so that it is allocated once).
fn start_node<'a>(
    doc: &mut Document<'a>,
    raw: Option<&'a str>,
    e: &BytesStart<'_>,
    start: usize,
    seen: &mut Vec<&'a str>,
) -> Result<u32, String> {
    let qualified = e.name().0;
    let inner = raw
        .and_then(|r| r.strip_prefix('<'))
        .and_then(|r| r.strip_suffix('>'))
        .map(|r| r.strip_suffix('/').unwrap_or(r))
        .filter(|inner| inner.get(..qualified.len()) == Some(qualified));
    let Some(inner) = inner else { return Err(format!("start tag <{qualified}> not found at its position")) };
    let name = local_name(inner.get(..qualified.len()).unwrap_or(inner));
    let too_many = || "more than 4 billion elements or attributes".to_owned();
    let attrs_start = u32::try_from(doc.attrs.len()).map_err(|_| too_many())?;
    let mut rest = inner.get(qualified.len()..).unwrap_or("");
    while let Some((key, raw)) = next_attribute(&mut rest, seen)? {
        let qname = QName(key);
        if qname.as_namespace_binding().is_some() {
            continue;
        }
        let value = if is_plain(raw) {
            Cow::Borrowed(raw)
        } else {
            let attr = Attribute { key: qname, value: Cow::Borrowed(raw) };
            attr.normalized_value(XmlVersion::Implicit1_0).map_err(|e| e.to_string())?
        };
        doc.attrs.push((local_name(key), value));
    }
    seen.clear();
    let attrs_end = u32::try_from(doc.attrs.len()).map_err(|_| too_many())?;
    let idx = u32::try_from(doc.nodes.len()).ok().filter(|idx| *idx != NONE).ok_or_else(too_many)?;
    doc.nodes.push(NodeData {
        name,
        attrs: (attrs_start, attrs_end),
        text: Cow::Borrowed(""),
        first_child: NONE,
        last_child: NONE,
        next_sibling: NONE,
        start,
    });
    Ok(idx)
}

/// The next attribute of `rest` (a start tag's inside after its name) as (name as written, raw value), moving
/// `rest` past it; `None` when only whitespace is left. The rules are those of quick-xml's checked attribute
/// iterator, which this replaces on the hot path (its per-attribute state machine was 7 % of an EcoSpold2 read's
/// instructions): a name, optional whitespace, `=`, optional whitespace, a value in `"` or `'`, and no name twice
/// in one tag (compared as written, prefix included), `seen` holding the names read before. Stricter in one
/// place: an empty name is an error.
fn next_attribute<'a>(rest: &mut &'a str, seen: &mut Vec<&'a str>) -> Result<Option<(&'a str, &'a str)>, String> {
    let text: &'a str = rest;
    let bytes = text.as_bytes();
    let skip_space = |mut at: usize| {
        while bytes.get(at).is_some_and(|b| is_whitespace(*b)) {
            at += 1;
        }
        at
    };
    let key_start = skip_space(0);
    if key_start == bytes.len() {
        *rest = "";
        return Ok(None);
    }
    let mut at = key_start;
    while bytes.get(at).is_some_and(|&b| b != b'=' && !is_whitespace(b)) {
        at += 1;
    }
    // Every index used to slice is just after an ASCII byte or at the end: always a character boundary.
    let key = text.get(key_start..at).unwrap_or_default();
    if key.is_empty() {
        return Err("attribute without a name".to_owned());
    }
    at = skip_space(at);
    if bytes.get(at) != Some(&b'=') {
        return Err(format!("attribute {key} has no value: `=` expected"));
    }
    at = skip_space(at + 1);
    let quote = match bytes.get(at) {
        Some(&quote @ (b'"' | b'\'')) => quote,
        Some(_) => return Err(format!("value of attribute {key} is not in quotes")),
        None => return Err(format!("attribute {key} has no value")),
    };
    let value_start = at + 1;
    let Some(len) = bytes.get(value_start..).and_then(|tail| memchr::memchr(quote, tail)) else {
        return Err(format!("value of attribute {key} has no closing quote"));
    };
    let value = text.get(value_start..value_start + len).unwrap_or_default();
    *rest = text.get(value_start + len + 1..).unwrap_or_default();
    if seen.contains(&key) {
        return Err(format!("attribute {key} given twice"));
    }
    seen.push(key);
    Ok(Some((key, value)))
}

/// True when normalizing an attribute value would not change it (no reference, no tab or line break; a value
/// with `<` goes to the normalizer too, which lets it through). Most values (ids, amounts, units) are plain: a check of a few bytes that
/// runs without branches instead of the normalizer's search.
fn is_plain(raw: &str) -> bool {
    !raw.bytes().fold(false, |any, b| any | matches!(b, b'&' | b'<' | b'\t' | b'\n' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::attributes::Attributes;

    fn parse(text: &str) -> Result<Document<'_>, XmlError> {
        parse_document(text.as_bytes())
    }

    #[test]
    fn skips_bom_and_resolves_the_root_namespace() {
        let doc = parse("\u{feff}<?xml version=\"1.0\"?>\n<e:ecoSpold xmlns:e=\"http://www.EcoInvent.org/EcoSpold02\"><a x:lang=\"en\" b=\"1\">t&amp;u&#65; v</a></e:ecoSpold>")
            .expect("parses");
        assert_eq!(doc.root_ns, RootNs::EcoSpold02);
        assert_eq!(doc.root().name(), "ecoSpold");
        let a = doc.root().child("a").expect("child");
        assert_eq!(a.attr("lang"), Some("en"));
        assert_eq!(a.attr("b"), Some("1"));
        assert_eq!(a.text(), Some("t&uA v"));
        assert_eq!(a.line(), 2);
        let v1 = parse("<ecoSpold xmlns=\"http://www.EcoInvent.org/EcoSpold01\"/>").expect("parses");
        assert_eq!(v1.root_ns, RootNs::EcoSpold01);
        // The root's own declarations decide; a prefix must be declared; xmlns="" is no namespace.
        let cases = [
            ("<ecoSpold/>", RootNs::None),
            ("<ecoSpold xmlns=\"\"/>", RootNs::None),
            ("<e:ecoSpold/>", RootNs::Other),
            ("<e:ecoSpold xmlns=\"http://www.EcoInvent.org/EcoSpold02\"/>", RootNs::Other),
            ("<ecoSpold xmlns:e=\"http://www.EcoInvent.org/EcoSpold02\"/>", RootNs::None),
            ("<ecoSpold xmlns=\"urn:other\"/>", RootNs::Other),
            (
                "<u:x xmlns:u=\"http://www.EcoInvent.org/UsedUserMasterData\"><y xmlns=\"urn:z\"/></u:x>",
                RootNs::UsedUserMasterData,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).expect(text).root_ns, expected, "{text}");
        }
    }

    /// The attributes of `case` as `next_attribute` reads them.
    fn our_attributes(case: &str) -> Result<Vec<(String, String)>, String> {
        let mut rest = case;
        let mut seen = Vec::new();
        let mut pairs = Vec::new();
        while let Some((key, value)) = next_attribute(&mut rest, &mut seen)? {
            pairs.push((key.to_owned(), value.to_owned()));
        }
        Ok(pairs)
    }

    /// Panics unless the reader and quick-xml's checked iterator read `case` alike: the same pairs, or an error
    /// from both (an empty name is the one place where the reader is stricter).
    fn assert_read_as_quick_xml(case: &str) {
        let ours = our_attributes(case);
        let theirs: Result<Vec<(String, String)>, _> =
            Attributes::new(case, 0).map(|attr| attr.map(|a| (a.key.0.to_owned(), a.value.into_owned()))).collect();
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{case:?}"),
            (Err(_), Err(_)) => {}
            (Err(e), Ok(_)) if e == "attribute without a name" => {}
            _ => panic!("{case:?}: ours {ours:?}, quick-xml {theirs:?}"),
        }
    }

    proptest::proptest! {
        #[test]
        fn any_attribute_list_is_read_as_quick_xml_reads_it(case in "[ab:=\"' \t\nxé]{0,24}") {
            assert_read_as_quick_xml(&case);
        }
    }

    #[test]
    fn attributes_are_read_as_quick_xml_reads_them() {
        let cases = [
            "",
            "   ",
            " a=\"1\"",
            " a = '1' \t\r\n b=\"x'y\"",
            " a=\"1\"b=\"2\"",
            " x:a=\"\" xmlns:x=\"urn:x\" xmlns=\"urn:d\"",
            " a=\"é>ü\" b='\"'",
            " a=\"1\" a=\"2\"",
            " x:a=\"1\" y:a=\"2\"",
            " a",
            " a ",
            " a b=\"1\"",
            " a=",
            " a= ",
            " a=1",
            " a=\"1",
            " a='1\"",
            " a=\"1\" =\"2\"",
            "=\"2\"",
        ];
        for case in cases {
            assert_read_as_quick_xml(case);
        }
        // Through the whole parser: a repeated name is an error, values are normalized, bindings are skipped.
        assert!(parse("<a b=\"1\" b=\"2\"/>").is_err());
        let doc = parse("<a xmlns=\"urn:x\" p:b=\"x&amp;y\" c=\"1\n2\"/>").expect("parses");
        assert_eq!(doc.root().attrs().len(), 2);
        assert_eq!(doc.root().attr("b"), Some("x&y"));
        assert_eq!(doc.root().attr("c"), Some("1 2"));
    }

    #[test]
    fn trim_is_str_trim() {
        let cases = [
            "",
            " ",
            "x",
            " x ",
            "x\t",
            "\u{b}x\u{c}",
            "\u{a0}x",
            "x\u{a0}",
            "\u{3000}é\u{2029}",
            "é",
            "\u{85}",
            "\u{1c}x",
            "a b",
            "\r\n",
        ];
        for case in cases {
            assert_eq!(trim(case), case.trim(), "{case:?}");
        }
    }

    #[test]
    fn rejects_doctype_unknown_entities_and_broken_trees() {
        let dtd = parse("<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x \"y\">]>\n<a>&x;</a>").unwrap_err();
        assert_eq!(dtd.kind, XmlErrorKind::Dtd);
        assert_eq!((dtd.line, dtd.column), (2, 1));
        let after_bom = parse("\u{feff}<a>&x;</a>").unwrap_err();
        assert_eq!((after_bom.line, after_bom.column), (1, 5));
        let entity = parse("<a>\n  &x;</a>").unwrap_err();
        assert_eq!((entity.line, entity.column), (2, 3));
        for bad in ["<a><b></a>", "<a><b>", "", "<a/><b/>", "x<a/>"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&"<a>".repeat(MAX_DEPTH + 1)).is_err());
    }
}

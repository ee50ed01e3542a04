//! Linking a release whose data sets leave names, units, locations and properties to MasterData, and whose links
//! name a multi-output activity (resolved to the bare activity id) or nothing at all: what MasterData fills in,
//! what is reported, and that the packed read gives the dataset, content hash and counts of the plain one.

use crate::support::{build_zip, with_code};
use ecoref_extract_ecospold2::{ReadOptions, read_path_packed, read_zip};
use std::io::Cursor;

const NS: &str = "http://www.EcoInvent.org/EcoSpold02";

fn master(root: &str, entries: &str) -> Vec<u8> {
    format!("<{root} xmlns=\"{NS}\">{entries}</{root}>").into_bytes()
}

fn release() -> Vec<(String, Vec<u8>)> {
    let units = master(
        "validUnits",
        r#"<unit id="u-kg"><name xml:lang="en">kg</name></unit><unit id="u-odd"><name xml:lang="en">odd unit</name></unit>"#,
    );
    let geographies =
        master("validGeographies", r#"<geography id="g-fr"><shortname xml:lang="en">FR</shortname></geography>"#);
    let properties = master(
        "validProperties",
        r#"<property id="p-dry"><name xml:lang="en">dry mass</name><unitName xml:lang="en">kg</unitName></property>"#,
    );
    let intermediate = master(
        "validIntermediateExchanges",
        r#"<intermediateExchange id="P-a" unitId="u-kg"><name xml:lang="en">product a</name><unitName xml:lang="en">kg</unitName></intermediateExchange>
<intermediateExchange id="P-b" unitId="u-kg"><name xml:lang="en">product b</name><unitName xml:lang="en">kg</unitName></intermediateExchange>
<intermediateExchange id="P-c" unitId="u-kg"><name xml:lang="en">product c</name><unitName xml:lang="en">kg</unitName></intermediateExchange>"#,
    );
    let elementary = master(
        "validElementaryExchanges",
        r#"<elementaryExchange id="E-co2" unitId="u-kg"><name xml:lang="en">Carbon dioxide</name><unitName xml:lang="en">kg</unitName></elementaryExchange>"#,
    );
    let index = master(
        "activityIndex",
        r#"<activityIndexEntry id="A"/><activityIndexEntry id="B"/><activityIndexEntry id="GONE"/>"#,
    );
    // A: one product; names, units, location and a property left to MasterData; a link to B's product c (B has
    // two reference products, so its id is the bare "B"), one to an indexed activity never read, one to an
    // unknown activity; an elementary flow missing from MasterData; an exchange in an unknown unit.
    let a = format!(
        r#"<ecoSpold xmlns="{NS}"><activityDataset><activityDescription><activity id="A"><activityName>a</activityName></activity>
<geography geographyId="g-fr"/></activityDescription><flowData>
<intermediateExchange id="a0" intermediateExchangeId="P-a" amount="1" unitId="u-kg"><outputGroup>0</outputGroup>
<property propertyId="p-dry" amount="0.5"/></intermediateExchange>
<intermediateExchange id="a1" intermediateExchangeId="P-c" amount="2" unitId="u-kg" activityLinkId="B"><inputGroup>5</inputGroup></intermediateExchange>
<intermediateExchange id="a2" intermediateExchangeId="P-c" amount="3" unitId="u-kg" activityLinkId="GONE"><inputGroup>5</inputGroup></intermediateExchange>
<intermediateExchange id="a3" intermediateExchangeId="P-c" amount="4" unitId="u-nowhere" activityLinkId="NOWHERE"><inputGroup>5</inputGroup></intermediateExchange>
<intermediateExchange id="a4" intermediateExchangeId="P-b" amount="5" unitId="u-odd" activityLinkId="B"><inputGroup>5</inputGroup></intermediateExchange>
<elementaryExchange id="a5" elementaryExchangeId="E-missing" amount="6" unitId="u-kg"><name>methane</name><outputGroup>4</outputGroup></elementaryExchange>
<elementaryExchange id="a6" elementaryExchangeId="E-co2" amount="7" unitId="u-kg"><outputGroup>4</outputGroup></elementaryExchange>
</flowData></activityDataset></ecoSpold>"#
    );
    let b = format!(
        r#"<ecoSpold xmlns="{NS}"><activityDataset><activityDescription><activity id="B"><activityName>b</activityName></activity>
</activityDescription><flowData>
<intermediateExchange id="b0" intermediateExchangeId="P-b" amount="1" unitId="u-kg"><name>product b</name><unitName>kg</unitName><outputGroup>0</outputGroup></intermediateExchange>
<intermediateExchange id="b1" intermediateExchangeId="P-c" amount="1" unitId="u-kg"><name>product c</name><unitName>kg</unitName><outputGroup>0</outputGroup></intermediateExchange>
<intermediateExchange id="b2" intermediateExchangeId="P-a" amount="1" unitId="u-kg" activityLinkId="A"><name>product a</name><unitName>kg</unitName><inputGroup>5</inputGroup></intermediateExchange>
</flowData></activityDataset></ecoSpold>"#
    );
    vec![
        ("MasterData/Units.xml".to_owned(), units),
        ("MasterData/Geographies.xml".to_owned(), geographies),
        ("MasterData/Properties.xml".to_owned(), properties),
        ("MasterData/IntermediateExchanges.xml".to_owned(), intermediate),
        ("MasterData/ElementaryExchanges.xml".to_owned(), elementary),
        ("MasterData/ActivityIndex.xml".to_owned(), index),
        ("datasets/A_P-a.spold".to_owned(), a.into_bytes()),
        ("datasets/B.spold".to_owned(), b.into_bytes()),
    ]
}

#[test]
fn masterdata_fills_what_data_sets_leave_out_and_links_resolve() {
    let files = release();
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let out = read_zip("release.zip", Cursor::new(build_zip(&entries)), &ReadOptions::default()).expect("reads");
    let ids: Vec<&str> = out.dataset.processes.iter().map(|p| p.id.id.as_str()).collect();
    assert_eq!(ids, ["A_P-a", "B"]);
    let a = &out.dataset.processes[0];
    assert_eq!(a.location.as_deref(), Some("FR"), "location from Geographies");
    let product = &a.exchanges[0];
    assert_eq!(product.unit.as_deref(), Some("kg"), "unit from Units");
    assert_eq!(product.flow.description.as_deref(), Some("product a"), "name from IntermediateExchanges");
    assert_eq!(product.properties[0].property.description.as_deref(), Some("dry mass"));
    assert_eq!(product.properties[0].unit.as_deref(), Some("kg"));
    let providers: Vec<Option<&str>> = a.exchanges.iter().map(|e| e.provider.as_ref().map(|p| p.id.as_str())).collect();
    assert_eq!(providers, [None, Some("B"), Some("GONE_P-c"), Some("NOWHERE_P-c"), Some("B"), None, None]);
    assert_eq!(a.exchanges[3].unit, None, "no unit for an unknown unit id");
    assert_eq!(a.exchanges[5].flow.description.as_deref(), Some("methane"), "the data set's own name is kept");
    assert_eq!(a.exchanges[6].flow.description.as_deref(), Some("Carbon dioxide"));
    let b = &out.dataset.processes[1];
    assert_eq!(b.exchanges[2].provider.as_ref().map(|p| p.id.as_str()), Some("A_P-a"));

    let unresolved = with_code(&out, "ecospold2.unresolved-provider");
    assert_eq!(unresolved.len(), 2, "{unresolved:?}");
    assert!(unresolved[0].message.contains("is in the ActivityIndex but no data set of it was read"));
    assert!(unresolved[1].message.contains("is not in the ActivityIndex"));
    assert_eq!(unresolved[0].location.entity.as_deref(), Some("A"));
    assert_eq!(unresolved[0].location.file.as_deref(), Some("release.zip!datasets/A_P-a.spold"));
    assert_eq!(unresolved[0].location.element.as_deref(), Some("flowData/intermediateExchange[@id=a2]"));
    assert_eq!(with_code(&out, "ecospold2.missing-unit").len(), 1);
    let odd = with_code(&out, "ecospold2.unknown-unit");
    assert!(odd.is_empty(), "a unit named by MasterData Units is known: {odd:?}");
    let missing = with_code(&out, "ecospold2.flow-not-in-masterdata");
    assert_eq!(missing.len(), 1);
    assert!(missing[0].message.contains("E-missing"));

    // The packed read is the same dataset, with the same content hash and counts.
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes) in &files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }
    let packed = read_path_packed(dir.path(), &ReadOptions::default()).expect("reads");
    assert_eq!(packed.dataset.content_hash(), &out.dataset.content_hash());
    assert_eq!(packed.dataset.counts(), out.dataset.counts());
    assert_eq!(packed.diagnostics.len(), out.diagnostics.len());
    let unpacked = packed.unpack().expect("unpacks");
    assert_eq!(unpacked.dataset, out.dataset);
}

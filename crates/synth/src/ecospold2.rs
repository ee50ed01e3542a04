//! Writes the system as an ecoinvent-style EcoSpold2 release: `datasets/<activity>_<product>.spold` (one
//! `childActivityDataset` each) and the `MasterData/` files ecoref's reader and bw2io's
//! `SingleOutputEcospold2Importer` / `Ecospold2BiosphereImporter` read.

use crate::system::{ActivityKind, Lognormal, System};
use crate::text::{esc, num};
use crate::{Error, Result, write_file};
use std::fmt::Write as _;
use std::path::Path;

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
const NS: &str = "http://www.EcoInvent.org/EcoSpold02";

/// Writes `dir/datasets/` and `dir/MasterData/`.
pub(crate) fn write_release(system: &System, dir: &Path) -> Result<()> {
    let datasets = dir.join("datasets");
    let master = dir.join("MasterData");
    for d in [&datasets, &master] {
        std::fs::create_dir_all(d).map_err(|source| Error::Io { path: d.clone(), source })?;
    }
    let mut buffer = String::with_capacity(64 * 1024);
    for (idx, _) in system.activities.iter().enumerate() {
        buffer.clear();
        write_dataset(system, idx, &mut buffer);
        let path = datasets.join(format!("{}.spold", system.dataset_id(&system.activities[idx])));
        write_file(&path, buffer.as_bytes())?;
    }
    write_master_data(system, &master)
}

fn uncertainty(out: &mut String, u: &Option<Lognormal>, amount: f64) {
    if let Some(u) = u {
        let _ = write!(
            out,
            "<uncertainty><lognormal meanValue=\"{}\" mu=\"{}\" variance=\"{}\" varianceWithPedigreeUncertainty=\"{}\"/>\
             <pedigreeMatrix reliability=\"2\" completeness=\"3\" temporalCorrelation=\"1\" geographicalCorrelation=\"2\" \
             furtherTechnologyCorrelation=\"1\"/><comment xml:lang=\"en\">Basic uncertainty of the exchange type, \
             widened by the pedigree matrix.</comment></uncertainty>",
            num(amount),
            num(u.mu),
            num(u.variance),
            num(u.variance_with_pedigree)
        );
    }
}

/// The properties ecoinvent repeats on every intermediate exchange of a product (from its MasterData):
/// (name, unit, whether only mass products carry it). A real file (tests/fixtures/ecospold2/pyecospold_ecoinvent/
/// v2_2.spold) carries 92 for its 52 exchanges, up to 7 on one; with the comments they are most of what makes an
/// ecoinvent file ≈ 1.2 KB per exchange (issue 3's release: 1.0 GB for 850,000 exchanges).
const PROPERTIES: [(&str, &str, bool); 5] = [
    ("price", "EUR2005", false),
    ("dry mass", "kg", true),
    ("water in wet mass", "kg", true),
    ("carbon content, fossil", "dimensionless", true),
    ("carbon content, non-fossil", "dimensionless", true),
];

/// Exchange comments of the kinds ecoinvent's data sets carry, chosen by exchange.
const EXCHANGE_COMMENTS: [&str; 4] = [
    "Literature value, adapted to the geography of this data set.",
    "Calculated from the mass balance of the process; see the general comment.",
    "Estimated with the standard distances of the market for this product and region.",
    "Measured on site; the average of the reporting years given in the time period.",
];

fn exchange_comment(out: &mut String, n: usize) {
    if n.is_multiple_of(3) {
        let _ = write!(out, "<comment xml:lang=\"en\">{}</comment>", EXCHANGE_COMMENTS[n % EXCHANGE_COMMENTS.len()]);
    }
}

/// The properties of product `p` (index in `system.products`), in ecoinvent's element layout.
fn properties(out: &mut String, system: &System, p: usize) {
    let seed = system.params.seed;
    let product = &system.products[p];
    let is_mass = system.units[product.unit].name == "kg";
    // Deterministic, plausible values written as ecoinvent writes them (short decimals, hundredths): a price per
    // unit, a water share, carbon shares summing below 1.
    let (water, fossil) = ((p % 7) * 5, (p % 5) * 8);
    for (k, (name, unit, mass_only)) in PROPERTIES.iter().enumerate() {
        if *mass_only && !is_mass {
            continue;
        }
        let hundredths = match k {
            0 => 5 + (p % 97) * 37,
            1 => 100 - water,
            2 => water,
            3 => fossil,
            _ => 40 - fossil / 2,
        };
        let amount = hundredths as f64 / 100.0;
        let _ = write!(
            out,
            "\n<property propertyId=\"{}\" amount=\"{}\" unitId=\"{}\"><name xml:lang=\"en\">{name}</name>\
             <unitName xml:lang=\"en\">{unit}</unitName>",
            crate::rng::Uid::derive(seed, 13, k as u64),
            num(amount),
            crate::rng::Uid::derive(seed, 14, k as u64),
        );
        if k == 0 {
            out.push_str("<comment xml:lang=\"en\">Average producer price of the product in 2005, in euros.</comment>");
        }
        out.push_str("</property>");
    }
}

/// One data set, in the layout of ecoinvent's files (pretty enough to read, no DOM).
pub(crate) fn write_dataset(system: &System, idx: usize, out: &mut String) {
    let a = &system.activities[idx];
    let product = system.product(a);
    let unit = system.unit_of(a);
    let geography = &system.geographies[a.geography];
    let special = match a.kind {
        ActivityKind::Market => 1,
        ActivityKind::Production => 0,
    };
    out.push_str(HEADER);
    let _ = write!(
        out,
        "<ecoSpold xmlns=\"{NS}\">\n<childActivityDataset>\n<activityDescription>\n\
         <activity id=\"{}\" activityNameId=\"{}\" inheritanceDepth=\"0\" type=\"1\" specialActivityType=\"{special}\">\n\
         <activityName xml:lang=\"en\">{}</activityName>\n\
         <includedActivitiesStart xml:lang=\"en\">From the reception of the inputs.</includedActivitiesStart>\n\
         <includedActivitiesEnd xml:lang=\"en\">Ends with the product at the gate.</includedActivitiesEnd>\n\
         <generalComment><text xml:lang=\"en\" index=\"0\">Synthetic data set generated by ecoref-synth (seed {}).</text>\
         <text xml:lang=\"en\" index=\"1\">This data set describes the production of the reference product in a typical plant of the \
         region, from the reception of the raw materials to the product ready for shipment at the factory gate. Inputs of \
         materials and energy are modelled with the markets of the region where they exist, else with global markets.</text>\
         <text xml:lang=\"en\" index=\"2\">Infrastructure, the treatment of wastes and the emissions to air and water are \
         included as far as data were available; amounts are given per unit of the reference product.</text></generalComment>\n\
         </activity>\n\
         <classification classificationId=\"{}\"><classificationSystem xml:lang=\"en\">ISIC rev.4 ecoinvent</classificationSystem>\
         <classificationValue xml:lang=\"en\">{}</classificationValue></classification>\n\
         <geography geographyId=\"{}\"><shortname xml:lang=\"en\">{}</shortname><comment><text xml:lang=\"en\" index=\"0\">\
         Data are representative of the production in this region.</text></comment></geography>\n\
         <technology technologyLevel=\"3\"><comment><text xml:lang=\"en\" index=\"0\">Current average technology of the \
         region's producers, as described in the literature cited in the general comment.</text></comment></technology>\n\
         <timePeriod startDate=\"2015-01-01\" endDate=\"2023-12-31\" isDataValidForEntirePeriod=\"true\"><comment>\
         <text xml:lang=\"en\" index=\"0\">Reporting years of the sources; extrapolated to the period of validity.</text>\
         </comment></timePeriod>\n\
         <macroEconomicScenario macroEconomicScenarioId=\"d9f57f0a-a01f-42eb-a57b-8f18d6635801\"><name xml:lang=\"en\">Business-as-Usual</name></macroEconomicScenario>\n\
         </activityDescription>\n<flowData>\n",
        a.id,
        a.name_id,
        esc(&a.name),
        system.params.seed,
        crate::rng::Uid::derive(system.params.seed, 12, (a.product % 20) as u64),
        [
            "2011:Manufacture of basic chemicals",
            "4610:Wholesale on a fee or contract basis",
            "3510:Electric power generation",
            "4923:Freight transport by road"
        ][a.product % 4],
        geography.id,
        geography.short,
    );
    let _ = write!(
        out,
        "<intermediateExchange id=\"{}\" unitId=\"{}\" amount=\"1.0\" intermediateExchangeId=\"{}\" productionVolumeAmount=\"1000000.0\">\n\
         <name xml:lang=\"en\">{}</name><unitName xml:lang=\"en\">{}</unitName>",
        system.exchange_id(idx, 0),
        unit.id,
        product.id,
        esc(&product.name),
        unit.name
    );
    exchange_comment(out, idx);
    properties(out, system, a.product);
    out.push_str("\n<outputGroup>0</outputGroup>\n</intermediateExchange>\n");
    for (e, input) in a.technosphere.iter().enumerate() {
        let provider = &system.activities[input.provider as usize];
        let p = system.product(provider);
        let u = &system.units[p.unit];
        let _ = write!(
            out,
            "<intermediateExchange id=\"{}\" unitId=\"{}\" amount=\"{}\" intermediateExchangeId=\"{}\" activityLinkId=\"{}\">\n\
             <name xml:lang=\"en\">{}</name><unitName xml:lang=\"en\">{}</unitName>",
            system.exchange_id(idx, 1 + e),
            u.id,
            num(input.amount),
            p.id,
            provider.id,
            esc(&p.name),
            u.name
        );
        exchange_comment(out, idx + e);
        uncertainty(out, &input.uncertainty, input.amount);
        properties(out, system, provider.product);
        out.push_str("\n<inputGroup>5</inputGroup>\n</intermediateExchange>\n");
    }
    let offset = 1 + a.technosphere.len();
    for (e, exchange) in a.biosphere.iter().enumerate() {
        let flow = &system.elementary_flows[exchange.flow as usize];
        let u = &system.units[flow.unit];
        let _ = write!(
            out,
            "<elementaryExchange id=\"{}\" unitId=\"{}\" amount=\"{}\" elementaryExchangeId=\"{}\"",
            system.exchange_id(idx, offset + e),
            u.id,
            num(exchange.amount),
            flow.id
        );
        if let Some(cas) = flow.cas_text(true) {
            let _ = write!(out, " casNumber=\"{cas}\"");
        }
        let _ = write!(
            out,
            ">\n<name xml:lang=\"en\">{}</name><unitName xml:lang=\"en\">{}</unitName>",
            esc(&flow.name),
            u.name
        );
        exchange_comment(out, idx + e);
        uncertainty(out, &exchange.uncertainty, exchange.amount);
        let _ = write!(
            out,
            "<compartment subcompartmentId=\"{}\"><compartment xml:lang=\"en\">{}</compartment>\
             <subcompartment xml:lang=\"en\">{}</subcompartment></compartment>",
            flow.subcompartment_id,
            flow.compartment,
            esc(flow.subcompartment)
        );
        out.push_str(if flow.is_resource() {
            "\n<inputGroup>4</inputGroup>\n</elementaryExchange>\n"
        } else {
            "\n<outputGroup>4</outputGroup>\n</elementaryExchange>\n"
        });
    }
    out.push_str(
        "</flowData>\n<modellingAndValidation>\n\
         <representativeness systemModelId=\"06590a66-662a-4885-8494-ad0cf410f956\" percent=\"60\">\
         <systemModelName xml:lang=\"en\">Allocation, cut-off by classification</systemModelName>\
         <samplingProcedure xml:lang=\"en\">Literature data and environmental reports of producers in the region.</samplingProcedure>\
         <extrapolations xml:lang=\"en\">Data of other regions adapted with the regional electricity mix.</extrapolations>\
         </representativeness>\n\
         <review reviewerId=\"00000000-0000-4000-8000-000000000002\" reviewerName=\"ecoref synth reviewer\" \
         reviewerEmail=\"review@example.invalid\" reviewDate=\"2025-01-01\" reviewedMajorRelease=\"3\" reviewedMinorRelease=\"10\" \
         reviewedMajorRevision=\"0\" reviewedMinorRevision=\"0\"><details><text xml:lang=\"en\" index=\"0\">Validation \
         passed.</text></details></review>\n\
         </modellingAndValidation>\n<administrativeInformation>\n\
         <dataEntryBy personId=\"00000000-0000-4000-8000-000000000001\" isActiveAuthor=\"false\" personName=\"ecoref synth\" personEmail=\"synth@example.invalid\"/>\n\
         <dataGeneratorAndPublication personId=\"00000000-0000-4000-8000-000000000001\" personName=\"ecoref synth\" personEmail=\"synth@example.invalid\" \
         dataPublishedIn=\"0\" isCopyrightProtected=\"false\" accessRestrictedTo=\"0\"/>\n\
         <fileAttributes majorRelease=\"3\" minorRelease=\"10\" majorRevision=\"0\" minorRevision=\"0\" defaultLanguage=\"en\" \
         creationTimestamp=\"2025-01-01T00:00:00\" lastEditTimestamp=\"2025-01-01T00:00:00\" fileGenerator=\"ecoref-synth\" \
         fileTimestamp=\"2025-01-01T00:00:00\" contextId=\"de659012-50c4-4e96-b54a-fc781bf987ab\"><contextName xml:lang=\"en\">ecoinvent</contextName></fileAttributes>\n\
         </administrativeInformation>\n</childActivityDataset>\n</ecoSpold>\n",
    );
}

fn write_master_data(system: &System, master: &Path) -> Result<()> {
    let root = |name: &str| {
        format!(
            "{HEADER}<{name} majorRelease=\"3\" minorRelease=\"10\" majorRevision=\"0\" minorRevision=\"0\" xmlns=\"{NS}\">\n"
        )
    };

    let mut out = root("validElementaryExchanges");
    for flow in &system.elementary_flows {
        let unit = &system.units[flow.unit];
        let _ = write!(out, "<elementaryExchange id=\"{}\" unitId=\"{}\"", flow.id, unit.id);
        if let Some(cas) = flow.cas_text(true) {
            let _ = write!(out, " casNumber=\"{cas}\"");
        }
        let _ = writeln!(
            out,
            "><name xml:lang=\"en\">{}</name><unitName xml:lang=\"en\">{}</unitName>\
             <compartment subcompartmentId=\"{}\"><compartment xml:lang=\"en\">{}</compartment>\
             <subcompartment xml:lang=\"en\">{}</subcompartment></compartment></elementaryExchange>",
            esc(&flow.name),
            unit.name,
            flow.subcompartment_id,
            flow.compartment,
            esc(flow.subcompartment)
        );
    }
    out.push_str("</validElementaryExchanges>\n");
    write_file(&master.join("ElementaryExchanges.xml"), out.as_bytes())?;

    let mut out = root("validIntermediateExchanges");
    for product in &system.products {
        let unit = &system.units[product.unit];
        let _ = writeln!(
            out,
            "<intermediateExchange id=\"{}\" unitId=\"{}\"><name xml:lang=\"en\">{}</name>\
             <unitName xml:lang=\"en\">{}</unitName><productInformation><text xml:lang=\"en\" index=\"0\">Synthetic product.</text>\
             </productInformation></intermediateExchange>",
            product.id,
            unit.id,
            esc(&product.name),
            unit.name
        );
    }
    out.push_str("</validIntermediateExchanges>\n");
    write_file(&master.join("IntermediateExchanges.xml"), out.as_bytes())?;

    let mut out = root("validUnits");
    for unit in &system.units {
        let _ = writeln!(
            out,
            "<unit id=\"{}\"><name xml:lang=\"en\">{}</name><comment xml:lang=\"en\">{}</comment></unit>",
            unit.id, unit.name, unit.quantity
        );
    }
    out.push_str("</validUnits>\n");
    write_file(&master.join("Units.xml"), out.as_bytes())?;

    let mut out = root("validGeographies");
    for g in &system.geographies {
        let _ = writeln!(
            out,
            "<geography id=\"{}\"><name xml:lang=\"en\">{}</name><shortname xml:lang=\"en\">{}</shortname></geography>",
            g.id, g.short, g.short
        );
    }
    out.push_str("</validGeographies>\n");
    write_file(&master.join("Geographies.xml"), out.as_bytes())?;

    let mut out = root("validActivityNames");
    for a in &system.activities {
        let _ = writeln!(
            out,
            "<activityName id=\"{}\"><name xml:lang=\"en\">{}</name></activityName>",
            a.name_id,
            esc(&a.name)
        );
    }
    out.push_str("</validActivityNames>\n");
    write_file(&master.join("ActivityNames.xml"), out.as_bytes())?;

    let mut out = format!("{HEADER}<activityIndex xmlns=\"{NS}\">\n");
    for a in &system.activities {
        let _ = writeln!(
            out,
            "<activityIndexEntry id=\"{}\" activityNameId=\"{}\" geographyId=\"{}\" startDate=\"2015-01-01\" endDate=\"2023-12-31\" \
             specialActivityType=\"{}\" systemModelId=\"06590a66-662a-4885-8494-ad0cf410f956\"/>",
            a.id,
            a.name_id,
            system.geographies[a.geography].id,
            u8::from(a.kind == ActivityKind::Market)
        );
    }
    out.push_str("</activityIndex>\n");
    write_file(&master.join("ActivityIndex.xml"), out.as_bytes())
}

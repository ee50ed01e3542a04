//! Writes the system as an ILCD zip (`ILCD/processes`, `flows`, `flowproperties`, `unitgroups`, `lciamethods`),
//! streamed entry by entry into the archive.

use crate::system::{Lognormal, System};
use crate::text::{esc, num};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const COMMON: &str = "xmlns:common=\"http://lca.jrc.it/ILCD/Common\" version=\"1.1\"";
const VERSION: &str = "01.00.000";

fn admin() -> String {
    format!(
        "<administrativeInformation><publicationAndOwnership><common:dataSetVersion>{VERSION}</common:dataSetVersion>\
         </publicationAndOwnership></administrativeInformation>\n"
    )
}

fn reference(out: &mut String, element: &str, kind: &str, folder: &str, id: &str, description: &str) {
    let _ = write!(
        out,
        "<{element} type=\"{kind}\" refObjectId=\"{id}\" version=\"{VERSION}\" uri=\"../{folder}/{id}.xml\">\
         <common:shortDescription xml:lang=\"en\">{}</common:shortDescription></{element}>",
        esc(description)
    );
}

fn uncertainty(out: &mut String, u: &Option<Lognormal>) {
    if let Some(u) = u {
        // ILCD gives log-normal spread as the squared geometric standard deviation, in percent
        let gsd2 = (2.0 * u.variance_with_pedigree.sqrt()).exp();
        let _ = write!(
            out,
            "<uncertaintyDistributionType>log-normal</uncertaintyDistributionType>\
             <relativeStandardDeviation95In>{:.3}</relativeStandardDeviation95In>",
            gsd2 * 100.0
        );
    }
}

/// Writes `path` (a zip).
pub(crate) fn write_zip(system: &System, path: &Path) -> Result<()> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let file = File::create(path).map_err(io)?;
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(false);
    let mut out = String::with_capacity(64 * 1024);
    let put = |zip: &mut zip::ZipWriter<BufWriter<File>>, name: String, out: &str| -> Result<()> {
        zip.start_file(name, options).map_err(|source| Error::Zip { path: path.to_path_buf(), source })?;
        zip.write_all(out.as_bytes()).map_err(|source| Error::Io { path: path.to_path_buf(), source })
    };

    for unit in &system.units {
        out.clear();
        let _ = write!(
            out,
            "{HEADER}<unitGroupDataSet xmlns=\"http://lca.jrc.it/ILCD/UnitGroup\" {COMMON}>\n\
             <unitGroupInformation><dataSetInformation><common:UUID>{}</common:UUID>\
             <common:name xml:lang=\"en\">Units of {}</common:name></dataSetInformation>\
             <quantitativeReference><referenceToReferenceUnit>0</referenceToReferenceUnit></quantitativeReference>\
             </unitGroupInformation>\n{}<units><unit dataSetInternalID=\"0\"><name>{}</name><meanValue>1.0</meanValue></unit></units>\n\
             </unitGroupDataSet>\n",
            unit.unit_group_id,
            esc(unit.quantity),
            admin(),
            esc(unit.name)
        );
        put(&mut zip, format!("ILCD/unitgroups/{}.xml", unit.unit_group_id), &out)?;

        out.clear();
        let _ = write!(
            out,
            "{HEADER}<flowPropertyDataSet xmlns=\"http://lca.jrc.it/ILCD/FlowProperty\" {COMMON}>\n\
             <flowPropertiesInformation><dataSetInformation><common:UUID>{}</common:UUID>\
             <common:name xml:lang=\"en\">{}</common:name></dataSetInformation><quantitativeReference>",
            unit.flow_property_id,
            esc(unit.quantity)
        );
        let group = unit.unit_group_id.to_string();
        reference(
            &mut out,
            "referenceToReferenceUnitGroup",
            "unit group data set",
            "unitgroups",
            &group,
            unit.quantity,
        );
        let _ =
            write!(out, "</quantitativeReference></flowPropertiesInformation>\n{}</flowPropertyDataSet>\n", admin());
        put(&mut zip, format!("ILCD/flowproperties/{}.xml", unit.flow_property_id), &out)?;
    }

    for flow in &system.elementary_flows {
        let (top, second) = match flow.compartment {
            "air" => ("Emissions", "Emissions to air"),
            "water" => ("Emissions", "Emissions to water"),
            "soil" => ("Emissions", "Emissions to soil"),
            _ => ("Resources", "Resources from ground"),
        };
        let categories = format!(
            "<common:elementaryFlowCategorization><common:category level=\"0\">{top}</common:category>\
             <common:category level=\"1\">{second}</common:category><common:category level=\"2\">{}</common:category>\
             </common:elementaryFlowCategorization>",
            esc(flow.subcompartment)
        );
        out.clear();
        write_flow(
            &mut out,
            system,
            &flow.id.to_string(),
            &flow.name,
            &categories,
            flow.cas_text(false),
            "Elementary flow",
            flow.unit,
        );
        put(&mut zip, format!("ILCD/flows/{}.xml", flow.id), &out)?;
    }
    for product in &system.products {
        out.clear();
        let class = "<common:classification><common:class level=\"0\">Synthetic products</common:class></common:classification>";
        write_flow(&mut out, system, &product.id.to_string(), &product.name, class, None, "Product flow", product.unit);
        put(&mut zip, format!("ILCD/flows/{}.xml", product.id), &out)?;
    }

    for a in &system.activities {
        out.clear();
        let product = system.product(a);
        let _ = write!(
            out,
            "{HEADER}<processDataSet xmlns=\"http://lca.jrc.it/ILCD/Process\" {COMMON}>\n<processInformation>\
             <dataSetInformation><common:UUID>{}</common:UUID><name><baseName xml:lang=\"en\">{}</baseName></name>\
             </dataSetInformation>\n<quantitativeReference type=\"Reference flow(s)\"><referenceToReferenceFlow>0</referenceToReferenceFlow>\
             </quantitativeReference>\n<time><common:referenceYear>2020</common:referenceYear></time>\
             <geography><locationOfOperationSupplyOrProduction location=\"{}\"/></geography></processInformation>\n\
             <modellingAndValidation><LCIMethodAndAllocation><typeOfDataSet>Unit process, single operation</typeOfDataSet>\
             </LCIMethodAndAllocation></modellingAndValidation>\n{}<exchanges>\n",
            a.id,
            esc(&a.name),
            system.geography(a),
            admin()
        );
        let _ = write!(out, "<exchange dataSetInternalID=\"0\">");
        reference(&mut out, "referenceToFlowDataSet", "flow data set", "flows", &product.id.to_string(), &product.name);
        let _ = writeln!(
            out,
            "<exchangeDirection>Output</exchangeDirection><meanAmount>1.0</meanAmount><resultingAmount>1.0</resultingAmount></exchange>"
        );
        for (e, input) in a.technosphere.iter().enumerate() {
            let p = system.product(&system.activities[input.provider as usize]);
            let _ = write!(out, "<exchange dataSetInternalID=\"{}\">", e + 1);
            reference(&mut out, "referenceToFlowDataSet", "flow data set", "flows", &p.id.to_string(), &p.name);
            let _ = write!(
                out,
                "<exchangeDirection>Input</exchangeDirection><meanAmount>{0}</meanAmount><resultingAmount>{0}</resultingAmount>",
                num(input.amount)
            );
            uncertainty(&mut out, &input.uncertainty);
            out.push_str("</exchange>\n");
        }
        let offset = 1 + a.technosphere.len();
        for (e, exchange) in a.biosphere.iter().enumerate() {
            let flow = &system.elementary_flows[exchange.flow as usize];
            let _ = write!(out, "<exchange dataSetInternalID=\"{}\">", offset + e);
            reference(&mut out, "referenceToFlowDataSet", "flow data set", "flows", &flow.id.to_string(), &flow.name);
            let _ = write!(
                out,
                "<exchangeDirection>{1}</exchangeDirection><meanAmount>{0}</meanAmount><resultingAmount>{0}</resultingAmount>",
                num(exchange.amount),
                if flow.is_resource() { "Input" } else { "Output" }
            );
            uncertainty(&mut out, &exchange.uncertainty);
            out.push_str("</exchange>\n");
        }
        out.push_str("</exchanges>\n</processDataSet>\n");
        put(&mut zip, format!("ILCD/processes/{}.xml", a.id), &out)?;
    }

    for indicator in &system.indicators {
        out.clear();
        let _ = write!(
            out,
            "{HEADER}<LCIAMethodDataSet xmlns=\"http://lca.jrc.it/ILCD/LCIAMethod\" {COMMON}>\n<LCIAMethodInformation>\
             <dataSetInformation><common:UUID>{}</common:UUID><common:name xml:lang=\"en\">{}</common:name>\
             <methodology>{}</methodology><impactCategory>{}</impactCategory><impactIndicator>{}</impactIndicator>\
             </dataSetInformation></LCIAMethodInformation>\n{}<characterisationFactors>\n",
            indicator.id,
            esc(indicator.name),
            esc(&system.method_name),
            esc(indicator.name),
            esc(indicator.unit),
            admin()
        );
        for &(f, value) in &indicator.factors {
            let flow = &system.elementary_flows[f as usize];
            out.push_str("<factor>");
            reference(&mut out, "referenceToFlowDataSet", "flow data set", "flows", &flow.id.to_string(), &flow.name);
            let _ = writeln!(
                out,
                "<exchangeDirection>{}</exchangeDirection><meanValue>{}</meanValue></factor>",
                if flow.is_resource() { "Input" } else { "Output" },
                num(value)
            );
        }
        out.push_str("</characterisationFactors>\n</LCIAMethodDataSet>\n");
        put(&mut zip, format!("ILCD/lciamethods/{}.xml", indicator.id), &out)?;
    }

    let mut inner = zip.finish().map_err(|source| Error::Zip { path: path.to_path_buf(), source })?;
    inner.flush().map_err(io)
}

#[allow(clippy::too_many_arguments)]
fn write_flow(
    out: &mut String,
    system: &System,
    id: &str,
    name: &str,
    classification: &str,
    cas: Option<String>,
    kind: &str,
    unit: usize,
) {
    let unit = &system.units[unit];
    let _ = write!(
        out,
        "{HEADER}<flowDataSet xmlns=\"http://lca.jrc.it/ILCD/Flow\" {COMMON}>\n<flowInformation><dataSetInformation>\
         <common:UUID>{id}</common:UUID><name><baseName xml:lang=\"en\">{}</baseName></name>\
         <classificationInformation>{classification}</classificationInformation>",
        esc(name)
    );
    if let Some(cas) = cas {
        let _ = write!(out, "<CASNumber>{cas}</CASNumber>");
    }
    let _ = write!(
        out,
        "</dataSetInformation><quantitativeReference><referenceToReferenceFlowProperty>0</referenceToReferenceFlowProperty>\
         </quantitativeReference></flowInformation>\n<modellingAndValidation><LCIMethod><typeOfDataSet>{kind}</typeOfDataSet>\
         </LCIMethod></modellingAndValidation>\n{}<flowProperties><flowProperty dataSetInternalID=\"0\">",
        admin()
    );
    let fp = unit.flow_property_id.to_string();
    reference(out, "referenceToFlowPropertyDataSet", "flow property data set", "flowproperties", &fp, unit.quantity);
    out.push_str("<meanValue>1.0</meanValue></flowProperty></flowProperties>\n</flowDataSet>\n");
}

//! Writes the system as SimaPro CSV: `processes.csv` (a `{processes}` export, one `Process` block per activity,
//! linked by product name as SimaPro does) and `method.csv` (a `{methods}` export of the LCIA method).

use crate::system::{ActivityKind, Lognormal, System};
use crate::text::num;
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

fn header(kind: &str) -> String {
    format!(
        "{{SimaPro 9.6.0.1}}\r\n{{{kind}}}\r\n{{Date: 01.01.2025}}\r\n{{Time: 00:00:00}}\r\n{{Project: ecoref synth}}\r\n\
         {{CSV Format version: 9.0.0}}\r\n{{CSV separator: Semicolon}}\r\n{{Decimal separator: .}}\r\n{{Date separator: .}}\r\n\
         {{Short date format: dd.MM.yyyy}}\r\n{{Export platform IDs: No}}\r\n{{Skip empty fields: No}}\r\n\
         {{Convert expressions to constants: No}}\r\n{{Selection: Selection (1)}}\r\n\
         {{Related objects (system descriptions, substances, units, etc.): Yes}}\r\n\
         {{Include sub product stages and processes: No}}\r\n\r\n"
    )
}

/// SimaPro's name for a unit.
pub(crate) fn unit_name(name: &str) -> &str {
    match name {
        "ton kilometer" => "tkm",
        "m2*year" => "m2a",
        "unit" => "p",
        other => other,
    }
}

/// SimaPro's section and compartment for an ecoinvent compartment.
fn sections(compartment: &str) -> (&'static str, &'static str) {
    match compartment {
        "air" => ("Emissions to air", "Air"),
        "water" => ("Emissions to water", "Water"),
        "soil" => ("Emissions to soil", "Soil"),
        _ => ("Resources", "Raw"),
    }
}

/// `distribution;field1;field2;field3` of an amount.
fn distribution(u: &Option<Lognormal>) -> String {
    match u {
        // SimaPro's Lognormal field is the squared geometric standard deviation
        Some(u) => format!("Lognormal;{};0;0", num((2.0 * u.variance_with_pedigree.sqrt()).exp())),
        None => "Undefined;0;0;0".to_owned(),
    }
}

/// Writes `dir/processes.csv` and `dir/method.csv`.
pub(crate) fn write_files(system: &System, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    let path = dir.join("processes.csv");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path: path.clone(), source }
    };
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io(&path))?);
    write_processes(system, &mut out).map_err(io(&path))?;
    out.flush().map_err(io(&path))?;

    let path = dir.join("method.csv");
    let mut out = BufWriter::new(File::create(&path).map_err(io(&path))?);
    write_method(system, &mut out).map_err(io(&path))?;
    out.flush().map_err(io(&path))
}

fn write_processes(system: &System, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(header("processes").as_bytes())?;
    let mut biosphere: [Vec<String>; 4] = Default::default();
    for (idx, a) in system.activities.iter().enumerate() {
        let category = match a.kind {
            ActivityKind::Market => "Markets",
            ActivityKind::Production => "Synthetic",
        };
        write!(
            out,
            "Process\r\n\r\nCategory type\r\nmaterial\r\n\r\nProcess identifier\r\n{}\r\n\r\nType\r\nUnit process\r\n\r\n\
             Process name\r\n{}\r\n\r\nStatus\r\n\r\n\r\nTime period\r\nUnspecified\r\n\r\nGeography\r\nUnspecified\r\n\r\n\
             Technology\r\nUnspecified\r\n\r\nRepresentativeness\r\nUnspecified\r\n\r\nMultiple output allocation\r\nUnspecified\r\n\r\n\
             Substitution allocation\r\nUnspecified\r\n\r\nCut off rules\r\nUnspecified\r\n\r\nCapital goods\r\nUnspecified\r\n\r\n\
             Boundary with nature\r\nUnspecified\r\n\r\nInfrastructure\r\nNo\r\n\r\nDate\r\n01.01.2025\r\n\r\n\
             Record\r\n\r\n\r\nGenerator\r\necoref-synth\r\n\r\nLiterature references\r\n\r\n\
             Collection method\r\n\r\n\r\nData treatment\r\n\r\n\r\nVerification\r\n\r\n\r\nComment\r\nSynthetic data set {}.\r\n\r\n\
             Allocation rules\r\n\r\n\r\nSystem description\r\n\r\n\r\n",
            system.dataset_id(a),
            system.simapro_product_name(a),
            idx
        )?;
        write!(
            out,
            "Products\r\n{};{};1.0;100;not defined;{category};\r\n\r\n",
            system.simapro_product_name(a),
            unit_name(system.unit_of(a).name)
        )?;
        let mut materials = Vec::new();
        let mut electricity = Vec::new();
        for input in &a.technosphere {
            let provider = &system.activities[input.provider as usize];
            let row = format!(
                "{};{};{};{};\r\n",
                system.simapro_product_name(provider),
                unit_name(system.unit_of(provider).name),
                num(input.amount),
                distribution(&input.uncertainty)
            );
            if provider.product == 0 { electricity.push(row) } else { materials.push(row) }
        }
        for rows in &mut biosphere {
            rows.clear();
        }
        for exchange in &a.biosphere {
            let flow = &system.elementary_flows[exchange.flow as usize];
            let slot = match flow.compartment {
                "air" => 1,
                "water" => 2,
                "soil" => 3,
                _ => 0,
            };
            biosphere[slot].push(format!(
                "{};{};{};{};{};\r\n",
                flow.name,
                flow.subcompartment,
                unit_name(system.units[flow.unit].name),
                num(exchange.amount),
                distribution(&exchange.uncertainty)
            ));
        }
        for (title, rows) in
            [("Avoided products", &Vec::new()), ("Resources", &biosphere[0]), ("Materials/fuels", &materials)]
        {
            write_section(out, title, rows)?;
        }
        write_section(out, "Electricity/heat", &electricity)?;
        for (title, rows) in [
            ("Emissions to air", &biosphere[1]),
            ("Emissions to water", &biosphere[2]),
            ("Emissions to soil", &biosphere[3]),
        ] {
            write_section(out, title, rows)?;
        }
        for title in
            ["Final waste flows", "Non material emissions", "Social issues", "Economic issues", "Waste to treatment"]
        {
            write_section(out, title, &[])?;
        }
        out.write_all(b"Input parameters\r\n\r\nCalculated parameters\r\n\r\nEnd\r\n\r\n")?;
    }
    Ok(())
}

fn write_section(out: &mut impl Write, title: &str, rows: &[String]) -> std::io::Result<()> {
    write!(out, "{title}\r\n")?;
    for row in rows {
        out.write_all(row.as_bytes())?;
    }
    out.write_all(b"\r\n")
}

fn write_method(system: &System, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(header("methods").as_bytes())?;
    write!(
        out,
        "Method\r\n\r\nName\r\n{}\r\n\r\nVersion\r\n1;0\r\n\r\nComment\r\nSynthetic method.\r\n\r\nCategory\r\nOthers\r\n\r\n\
         Use Damage Assessment\r\nNo\r\n\r\nUse Normalization\r\nNo\r\n\r\nUse Weighting\r\nNo\r\n\r\nUse Addition\r\nNo\r\n\r\n\
         Weighting unit\r\nPt\r\n\r\n",
        system.method_name
    )?;
    for indicator in &system.indicators {
        write!(out, "Impact category\r\n{};{}\r\n\r\nSubstances\r\n", indicator.name, indicator.unit)?;
        for &(f, value) in &indicator.factors {
            let flow = &system.elementary_flows[f as usize];
            write!(
                out,
                "{};{};{};{};{};{}\r\n",
                sections(flow.compartment).1,
                flow.subcompartment,
                flow.name,
                flow.cas_text(false).unwrap_or_default(),
                num(value),
                unit_name(system.units[flow.unit].name)
            )?;
        }
        out.write_all(b"\r\n")?;
    }
    out.write_all(b"End\r\n")
}

//! Writes the system as bw2io Excel/CSV LCI (`lci.csv`, read by `bw2io.CSVImporter`) and one bw2io LCIA table per
//! indicator (`lcia/NN.csv`: name, categories, amount).

use crate::system::{Lognormal, System};
use crate::text::{csv, num};
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The Brightway database name of a system.
pub fn database_name(system: &System) -> String {
    format!("synth-{}", system.params.key())
}

fn uncertainty(u: &Option<Lognormal>) -> String {
    match u {
        Some(u) => format!("2,{},{}", num(u.mu), num(u.variance_with_pedigree.sqrt())),
        None => "0,,".to_owned(),
    }
}

/// Writes `dir/lci.csv` and `dir/lcia/*.csv`.
pub(crate) fn write_files(system: &System, dir: &Path) -> Result<()> {
    let lcia = dir.join("lcia");
    std::fs::create_dir_all(&lcia).map_err(|source| Error::Io { path: lcia.clone(), source })?;
    let path = dir.join("lci.csv");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path: path.clone(), source }
    };
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io(&path))?);
    write_lci(system, &mut out).map_err(io(&path))?;
    out.flush().map_err(io(&path))?;
    let index = lcia.join("methods.csv");
    let mut text = String::from("file,method,indicator,unit\n");
    for (i, indicator) in system.indicators.iter().enumerate() {
        text.push_str(&format!(
            "{i:02}.csv,{},{},{}\n",
            csv(&system.method_name, ','),
            csv(indicator.name, ','),
            csv(indicator.unit, ',')
        ));
    }
    crate::write_file(&index, text.as_bytes())?;
    for (i, indicator) in system.indicators.iter().enumerate() {
        let path = lcia.join(format!("{i:02}.csv"));
        let mut out = BufWriter::new(File::create(&path).map_err(io(&path))?);
        let mut write = || -> std::io::Result<()> {
            writeln!(out, "name,categories,amount")?;
            for &(f, value) in &indicator.factors {
                let flow = &system.elementary_flows[f as usize];
                let categories = format!("{}::{}", flow.compartment, flow.subcompartment);
                writeln!(out, "{},{},{}", csv(&flow.name, ','), csv(&categories, ','), num(value))?;
            }
            out.flush()
        };
        write().map_err(io(&path))?;
    }
    Ok(())
}

fn write_lci(system: &System, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "Database,{}", database_name(system))?;
    writeln!(out, "format,ecoref-synth CSV")?;
    writeln!(out)?;
    for a in &system.activities {
        let product = system.product(a);
        let unit = system.unit_of(a).name;
        let location = system.geography(a);
        writeln!(out, "Activity,{}", csv(&a.name, ','))?;
        writeln!(out, "code,{}", system.dataset_id(a))?;
        writeln!(out, "location,{location}")?;
        writeln!(out, "unit,{unit}")?;
        writeln!(out, "reference product,{}", csv(&product.name, ','))?;
        writeln!(out, "production amount,1.0")?;
        writeln!(out, "type,process")?;
        writeln!(out)?;
        writeln!(out, "Exchanges")?;
        writeln!(out, "name,amount,unit,location,type,reference product,categories,uncertainty type,loc,scale")?;
        writeln!(out, "{},1.0,{unit},{location},production,{},,0,,", csv(&a.name, ','), csv(&product.name, ','))?;
        for input in &a.technosphere {
            let provider = &system.activities[input.provider as usize];
            writeln!(
                out,
                "{},{},{},{},technosphere,{},,{}",
                csv(&provider.name, ','),
                num(input.amount),
                system.unit_of(provider).name,
                system.geography(provider),
                csv(&system.product(provider).name, ','),
                uncertainty(&input.uncertainty)
            )?;
        }
        for exchange in &a.biosphere {
            let flow = &system.elementary_flows[exchange.flow as usize];
            let categories = format!("{}::{}", flow.compartment, flow.subcompartment);
            writeln!(
                out,
                "{},{},{},,biosphere,,{},{}",
                csv(&flow.name, ','),
                num(exchange.amount),
                system.units[flow.unit].name,
                csv(&categories, ','),
                uncertainty(&exchange.uncertainty)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

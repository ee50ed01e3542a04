//! Writes the rows ecoref loads (processes, exchanges, flows) as plain CSV, the input of the `psql \copy`
//! loading baseline.

use crate::system::System;
use crate::text::{csv, num};
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Column lists of the baseline tables, in file order (for `CREATE TABLE`).
pub const TABLES: [(&str, &str); 3] = [
    ("processes", "ordinal bigint, id text, name text, location text, unit text"),
    (
        "exchanges",
        "process_ordinal bigint, ordinal bigint, flow_id text, kind text, amount float8, unit text, provider_id text, \
         is_reference boolean, uncertainty json",
    ),
    ("flows", "id text, name text, kind text, compartment text, unit text, cas text"),
];

/// Writes `dir/processes.csv`, `dir/exchanges.csv` and `dir/flows.csv`.
pub(crate) fn write_files(system: &System, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    let open = |name: &str| -> Result<(std::path::PathBuf, BufWriter<File>)> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        Ok((path, BufWriter::with_capacity(1 << 20, file)))
    };
    let (p_path, mut processes) = open("processes.csv")?;
    let (e_path, mut exchanges) = open("exchanges.csv")?;
    let (f_path, mut flows) = open("flows.csv")?;
    let result = (|| -> std::io::Result<()> {
        for (p, a) in system.activities.iter().enumerate() {
            let id = system.dataset_id(a);
            let unit = system.unit_of(a).name;
            writeln!(processes, "{p},{id},{},{},{unit}", csv(&a.name, ','), system.geography(a))?;
            writeln!(exchanges, "{p},0,{},production,1.0,{unit},,true,", system.product(a).id)?;
            for (e, input) in a.technosphere.iter().enumerate() {
                let provider = &system.activities[input.provider as usize];
                write!(
                    exchanges,
                    "{p},{},{},technosphere,{},{},{},false,",
                    e + 1,
                    system.product(provider).id,
                    num(input.amount),
                    system.unit_of(provider).name,
                    system.dataset_id(provider)
                )?;
                match &input.uncertainty {
                    Some(u) => {
                        writeln!(exchanges, "\"{{\"\"mu\"\":{},\"\"variance\"\":{}}}\"", num(u.mu), num(u.variance))?
                    }
                    None => writeln!(exchanges)?,
                }
            }
            let offset = 1 + a.technosphere.len();
            for (e, exchange) in a.biosphere.iter().enumerate() {
                let flow = &system.elementary_flows[exchange.flow as usize];
                write!(
                    exchanges,
                    "{p},{},{},biosphere,{},{},,false,",
                    offset + e,
                    flow.id,
                    num(exchange.amount),
                    system.units[flow.unit].name
                )?;
                match &exchange.uncertainty {
                    Some(u) => {
                        writeln!(exchanges, "\"{{\"\"mu\"\":{},\"\"variance\"\":{}}}\"", num(u.mu), num(u.variance))?
                    }
                    None => writeln!(exchanges)?,
                }
            }
        }
        for flow in &system.elementary_flows {
            let compartment = format!("{}/{}", flow.compartment, flow.subcompartment);
            writeln!(
                flows,
                "{},{},elementary,{},{},{}",
                flow.id,
                csv(&flow.name, ','),
                csv(&compartment, ','),
                system.units[flow.unit].name,
                flow.cas_text(false).unwrap_or_default()
            )?;
        }
        for product in &system.products {
            writeln!(
                flows,
                "{},{},product,,{},",
                product.id,
                csv(&product.name, ','),
                system.units[product.unit].name
            )?;
        }
        processes.flush()?;
        exchanges.flush()?;
        flows.flush()
    })();
    let _ = (p_path, e_path, f_path);
    result.map_err(|source| Error::Io { path: dir.to_path_buf(), source })
}

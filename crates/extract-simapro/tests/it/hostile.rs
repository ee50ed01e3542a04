//! Hand-built inputs: encodings, line endings, quoting, parameter cycles and garbage never panic.

use crate::support::codes;
use ecoref_extract_simapro::{ReadOptions, read_bytes};
use ecoref_model::Severity;

const HEADER: &str = "{SimaPro 9.6.0.1}\n{processes}\n{CSV separator: Semicolon}\n{Decimal separator: ,}\n\n";

fn process(body: &str) -> String {
    format!(
        "{HEADER}Process\n\nProcess name\nP {{FR}}| x | Cut-off, S\n\nProducts\nP;kg;1;100;not defined;A\\B;\n\n{body}\nEnd\n"
    )
}

#[test]
fn parameter_cycle_is_a_diagnostic_and_order_does_not_matter() {
    let body = "Materials/fuels\nM;kg;b * 2 + sqrt(a);Undefined;0;0;0;\nX;kg;c;Undefined;0;0;0;\n\n\
                Calculated parameters\nb;a ^ 2;\nc;d + 1;\nd;c * 2;\n\nInput parameters\na;4;Undefined;0;0;0;No;\n";
    let output = read_bytes("cycle.csv", process(body).as_bytes(), &ReadOptions::default()).expect("read");
    let p = &output.dataset.processes[0];
    assert_eq!(p.exchanges[1].amount, Some(34.0));
    assert_eq!(p.exchanges[2].amount, None);
    assert!(codes(&output, Severity::Warning).contains(&"simapro.parameter-cycle"));
    assert_eq!(p.location.as_deref(), Some("FR"));
    assert_eq!(p.metadata.get("name.system_model").map(String::as_str), Some("Cut-off, S"));
}

#[test]
fn windows_1252_cr_line_endings_and_quoted_multiline_fields() {
    let text =
        process("Comment\n\"line one\n\"\"two\"\";three\"\n\nMaterials/fuels\nCaf\u{e9};kg;0,5;lognormal;1,2;0;0;\n")
            .replace('\n', "\r");
    let bytes: Vec<u8> = text.chars().map(|c| if c == '\u{e9}' { 0xE9 } else { c as u8 }).collect();
    let output = read_bytes("cp1252.csv", &bytes, &ReadOptions::default()).expect("read");
    let p = &output.dataset.processes[0];
    assert_eq!(p.description.as_deref(), Some("line one\n\"two\";three"));
    assert_eq!(p.exchanges[1].flow.id, "Caf\u{e9}");
    assert_eq!(p.exchanges[1].amount, Some(0.5));
    assert!(codes(&output, Severity::Info).contains(&"simapro.windows-1252"));
}

#[test]
fn garbage_never_panics() {
    let samples: [&[u8]; 6] = [
        b"{SimaPro}\nProcess\nProducts\n;;;\n\"\n",
        b"{SimaPro 9}\nMethod\nImpact category\nSubstances\nAir;;x;2-Jan-1900;1e999;kg\n",
        b"{SimaPro 9}\nProcess\nMaterials/fuels\nx;kg;((((((((1;Undefined\nEnd\nEnd\n",
        b"{SimaPro 9}\n\xff\xfe\x00Process\r\n\r\nProducts\r\n\xff;\xff;\xff\r",
        b"SimaPro\tprocesses\nProcess\nProducts\nx\t1\tp\t\xff%\n",
        b"{SimaPro 9}\nDatabase Calculated parameters\na;b\nb;a\nEnd\n",
    ];
    for bytes in samples {
        let _ = read_bytes("garbage.csv", bytes, &ReadOptions::default());
    }
    let excel = read_bytes("excel.csv", samples[1], &ReadOptions::default()).expect("read");
    assert!(excel.diagnostics.iter().any(|d| d.code == "simapro.invalid-number"));
}

//! Reads a published release from the store: its dataset versions with their provenance, its method and its id
//! migrations.

use crate::manifest::{Manifest, MethodInfo, ReleaseInfo, RunInfo, SourceInfo, ValidationInfo, WriterInfo};
use crate::tables::{SnapshotData, SnapshotDataset};
use crate::{ECOREF_VERSION, Error, FORMAT_VERSION, MAX_ROW_GROUP_ROWS, Result, created_by};
use ecoref_store::Store;

/// Everything a snapshot of the published release `name` holds, read from `store`. A draft or unknown release is
/// an error.
pub async fn collect_release(store: &Store, name: &str) -> Result<SnapshotData> {
    let detail = store.read_release(name).await?.ok_or_else(|| Error::NoRelease(name.to_owned()))?;
    let summary = &detail.summary;
    if !summary.is_published() {
        return Err(Error::NotPublished(name.to_owned()));
    }
    let versions = store.list_dataset_versions().await?;
    let runs = store.list_runs(u32::MAX).await?;
    let mut sources = Vec::new();
    let mut datasets = Vec::new();
    for member in &summary.datasets {
        let version = versions.iter().find(|v| v.id == member.dataset_version);
        let run = version.and_then(|v| runs.iter().find(|r| r.id == v.created_by_run));
        sources.push(SourceInfo {
            dataset: member.label(),
            source_name: member.source_name.clone(),
            version_number: member.version_number,
            content_hash: version.map(|v| v.content_hash.clone()).unwrap_or_default(),
            counts: version.map(|v| v.counts).unwrap_or_default(),
            licence_class: if run
                .is_some_and(|r| r.inputs.iter().any(|i| i.licence_class.as_deref() == Some("restricted")))
            {
                "restricted".to_owned()
            } else {
                "open".to_owned()
            },
            import_run: run.map(|r| RunInfo {
                reader_name: r.reader_name.clone(),
                reader_version: r.reader_version.clone(),
                pipeline: r.pipeline.clone(),
                idempotency_key: r.idempotency_key.clone(),
                inputs: r.inputs.clone(),
            }),
        });
        datasets.push(SnapshotDataset {
            label: member.label(),
            dataset: store.load_dataset_without_exchanges(member.dataset_version).await?,
            exchanges: store.read_exchange_cells(member.dataset_version).await?,
        });
    }
    let (method, content) = match &summary.method {
        Some(m) => (
            Some(MethodInfo {
                label: m.label(),
                name: m.name.clone(),
                version: m.version.clone(),
                methodology: m.methodology.clone(),
                dataset: m.dataset.clone(),
                weights: m.weights.clone(),
                content_hash: m.content_hash.clone(),
                n_indicators: m.n_indicators,
                n_factors: m.n_factors,
                n_nw_sets: m.n_nw_sets,
            }),
            Some(store.load_method_content(m.id).await?),
        ),
        None => (None, None),
    };
    let validation = detail.validation.as_ref().map(|v| ValidationInfo {
        validator: v.validator.clone(),
        n_processes: v.n_processes,
        n_technosphere_exchanges: v.n_technosphere_exchanges,
        n_unlinked: v.unlinked.len() as u64,
        n_elementary_flows: v.n_elementary_flows,
        n_unmapped_flows: v.unmapped_flows.len() as u64,
        accepted_unmapped_flows: v.accepted_unmapped_flows.clone(),
    });
    let manifest_base = Manifest {
        format: "ecoref-snapshot".to_owned(),
        format_version: FORMAT_VERSION,
        ecoref_version: ECOREF_VERSION.to_owned(),
        release: ReleaseInfo {
            name: summary.name.clone(),
            notes: summary.notes.clone(),
            created_by: summary.created_by.clone(),
            published_by: summary.published_by.clone(),
            published_at: summary.published_at.clone(),
        },
        sources,
        method,
        validation,
        writer: WriterInfo {
            created_by: created_by(),
            compression: "snappy".to_owned(),
            max_row_group_rows: MAX_ROW_GROUP_ROWS as u64,
        },
        tables_not_written: Vec::new(),
        files: Vec::new(),
    };
    // The link sets and flow mapping sets the release was validated with at publication: computing from the
    // snapshot uses exactly these, never a re-linking.
    let mut links = Vec::new();
    let mut flow_mappings = Vec::new();
    for input in &detail.validated_with {
        let set = store.load_link_set(input.link_set).await?;
        links.push((input.dataset.clone(), set.output.table.links));
        if let Some(mapping) = input.flow_mapping_set {
            flow_mappings.push((input.dataset.clone(), store.load_flow_mapping_set(mapping).await?.mapping));
        }
    }
    Ok(SnapshotData {
        manifest_base,
        datasets,
        method: content,
        id_migrations: detail.id_migrations.clone(),
        links,
        flow_mappings,
    })
}

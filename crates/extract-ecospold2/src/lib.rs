//! EcoSpold2 reader: reads an ecoinvent release (`datasets/` + `MasterData/`, as a directory, a zip or the `.7z`
//! ecoinvent distributes), an openLCA EcoSpold2 export, or single `.spold` files into the ecoref canonical model.
//!
//! # Identity
//! ecoinvent identifies a data set by (activity id, reference product id): one activity is split per product into
//! child data sets, all with the same activity id. So a process's [`EntityId`](ecoref_model::EntityId) is
//! `"<activityId>_<referenceProductId>"` (the stem of ecoinvent's file names) whenever the data set has exactly
//! one reference product (the `intermediateExchange` with `outputGroup` 0; its amount may be negative for waste
//! treatment). With none (diagnostic `ecospold2.missing-reference-product`) or several (an unallocated
//! multi-output data set, `ecospold2.multiple-reference-products`) the id is the activity id alone. Both raw ids
//! are kept in the process metadata (`activity_id`, `reference_product_id`).
//!
//! An exchange's `activityLinkId` names the providing *activity*; its provider is the process
//! `"<activityLinkId>_<intermediateExchangeId>"` (falling back to a process whose id is the bare activity id when
//! that one was read), so a provider id is the same whether or not the provider was in the input. The raw link is
//! kept in the exchange metadata (`activity_link_id`).
//!
//! # Invariants
//! - streaming: a bounded number of documents is in memory at once (batches of up to 8 documents or 1 MiB: the
//!   one being filled, 2 queued and one per parsing thread, plus the entities read so far), each read through a
//!   size limit; archives are never extracted to disk; the processes read so far are held packed
//!   ([`ecoref_model::packed`], a few hundred bytes per exchange), and [`read_path_packed`] hands them over as is,
//!   so that an ecoinvent release loads in well under 1 GiB;
//! - documents are parsed on up to four threads, each taking the next batch of documents queued while the
//!   caller's thread reads the ones after it, and merged in input order (directories and zips in name order, 7z
//!   in archive order), so the output never depends on thread timing; of two data sets with one identity the one
//!   whose file name sorts first is kept, so a directory, a zip and a 7z of the same files read the same;
//! - hostile input is an [`Error`] (unsafe entry names, bombs, DTDs, unknown entities), never a panic;
//! - bad data inside well-formed documents is a [`Diagnostic`] next to the data, never a failure;
//! - an activity without exchanges (openLCA's `<flowData/>`) is a warning `ecospold2.empty-flow-data`, not a
//!   process; an EcoSpold 1 file is a rejected data set (`ecospold2.ecospold1-file`).

mod datasets;
mod error;
mod link;
mod masterdata;
mod values;
mod xml;

pub use ecoref_extract_support::{OnInvalid, Progress};
pub use error::{Error, Result};

use crate::datasets::DocumentRead;
use crate::link::{Collector, PackedProcess};
use ecoref_extract_support::xml::{XmlError, XmlErrorKind};
use ecoref_extract_support::{
    ByteBudget, Input, Limits, WalkStep, ZipContainer, for_each_file, is_unsafe_entry_name, open_input, walk_dir,
};
use ecoref_model::packed::Packer;
use ecoref_model::{Dataset, Diagnostic, PackedDataset};
use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// Name of this reader, recorded with every import.
pub const READER_NAME: &str = "ecospold2";
/// Version of this reader; bumped whenever the output for the same input changes.
pub const READER_VERSION: &str = "0.1.1";

/// Limits and policies of one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest uncompressed size of one document (archive entry or file).
    pub max_entry_bytes: u64,
    /// Largest uncompressed size of all documents read.
    pub max_total_bytes: u64,
    /// Most entries an archive (or files a directory) may hold.
    pub max_entries: u64,
    pub on_invalid: OnInvalid,
}

impl Default for ReadOptions {
    fn default() -> Self {
        let Limits { max_entry_bytes, max_entries, .. } = Limits::default();
        // ecoinvent releases are large: twice the common total.
        let max_total_bytes = 16 * 1024 * 1024 * 1024;
        ReadOptions { max_entry_bytes, max_total_bytes, max_entries, on_invalid: OnInvalid::Fail }
    }
}

impl ReadOptions {
    /// Stable text of every option, part of the import idempotency key.
    pub fn describe(&self) -> String {
        format!("{};on_invalid={}", self.limits().describe(), self.on_invalid.as_str())
    }

    fn limits(&self) -> Limits {
        Limits {
            max_entry_bytes: self.max_entry_bytes,
            max_total_bytes: self.max_total_bytes,
            max_entries: self.max_entries,
        }
    }
}

/// What a read produces.
#[derive(Debug, Clone)]
pub struct ReadOutput {
    /// The data sets read, linked and canonicalized.
    pub dataset: Dataset,
    pub diagnostics: Vec<Diagnostic>,
    /// Data sets rejected (EcoSpold 1 files, unparsable documents under [`OnInvalid::Skip`], data sets without an
    /// activity id, duplicates, unknown documents).
    pub n_rejected: u64,
    /// XML documents read.
    pub n_entries_read: u64,
}

/// What [`read_path_packed`] produces: [`ReadOutput`] with the processes left packed.
#[derive(Debug, Clone)]
pub struct PackedReadOutput {
    /// The data sets read, linked and canonicalized, processes packed.
    pub dataset: PackedDataset,
    pub diagnostics: Vec<Diagnostic>,
    pub n_rejected: u64,
    pub n_entries_read: u64,
}

impl PackedReadOutput {
    /// The output with every process unpacked into the model.
    pub fn unpack(self) -> Result<ReadOutput> {
        let dataset = self.dataset.into_dataset().map_err(|e| Error::Pack { message: e.to_string() })?;
        Ok(ReadOutput {
            dataset,
            diagnostics: self.diagnostics,
            n_rejected: self.n_rejected,
            n_entries_read: self.n_entries_read,
        })
    }
}

/// Reads a directory (recursively), a zip or 7z archive, or a single `.spold`/`.xml` document.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<ReadOutput> {
    read_path_with_progress(path, options, &mut |_| {})
}

/// [`read_path`], reporting progress.
pub fn read_path_with_progress(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    read_path_packed_with_progress(path, options, progress)?.unpack()
}

/// [`read_path`] with the processes left packed: what a loader of large inputs (an ecoinvent release) wants.
pub fn read_path_packed(path: &Path, options: &ReadOptions) -> Result<PackedReadOutput> {
    read_path_packed_with_progress(path, options, &mut |_| {})
}

/// [`read_path_packed`], reporting progress.
pub fn read_path_packed_with_progress(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<PackedReadOutput> {
    let display = path.display().to_string();
    let input = match open_input(path, &display)? {
        Input::Dir => return read_dir(path, &display, options, progress),
        Input::File(input) => input,
        Input::Other => return Err(Error::UnsupportedInput { file: display }),
    };
    if input.magic().starts_with(b"7z\xBC\xAF\x27\x1C") {
        return read_7z_inner(&display, input.file, options, progress);
    }
    if input.magic().starts_with(b"PK") || input.extension_is("zip") {
        return read_zip_inner(&display, std::io::BufReader::new(input.file), options, progress);
    }
    if input.extension_is("7z") {
        return read_7z_inner(&display, input.file, options, progress);
    }
    if !is_document_name(&display) {
        return Err(Error::UnsupportedInput { file: display });
    }
    let mut state = Reader::new(options, &display);
    progress(Progress { entries_done: 0, entries_total: 1, current: &display });
    let bytes = state.budget.read_file_limited(&display, input.file)?;
    state.push(display.clone(), bytes)?;
    progress(Progress { entries_done: 1, entries_total: 1, current: &display });
    state.finish()
}

/// Reads one document already in memory (a `.spold` data set or a MasterData file); used by the fuzz target.
pub fn read_bytes(display_name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ReadOutput> {
    let mut state = Reader::new(options, display_name);
    state.budget.accept(display_name, bytes)?;
    state.push(display_name.to_owned(), bytes.to_vec())?;
    state.finish()?.unpack()
}

/// Reads a zip archive from any seekable reader; `display_name` names it in errors and diagnostics.
pub fn read_zip<R: Read + Seek>(display_name: &str, reader: R, options: &ReadOptions) -> Result<ReadOutput> {
    read_zip_inner(display_name, reader, options, &mut |_| {})?.unpack()
}

/// Reads a 7z archive from any seekable reader; `display_name` names it in errors and diagnostics.
pub fn read_7z<R: Read + Seek>(display_name: &str, reader: R, options: &ReadOptions) -> Result<ReadOutput> {
    read_7z_inner(display_name, reader, options, &mut |_| {})?.unpack()
}

/// Documents a parsing thread takes at once. Handed over one at a time, every document taken from the full
/// queue woke the reading thread, and the two context switches per document cost ≈ 3 % of an ecoinvent import's
/// CPU (`perf stat -e context-switches`: 63,000–85,000 for 25,000 documents).
const BATCH_DOCUMENTS: usize = 8;

/// A batch is handed over as soon as it holds this many bytes: large documents go one or two at a time.
const BATCH_BYTES: usize = 1 << 20;

/// Batches queued for the parsing threads at most; with the batch being filled, the one each thread holds and
/// the results not yet kept, what bounds the documents in memory at once.
const QUEUED_BATCHES: usize = 2;

/// Documents for a parsing thread, in input order: each one's position in the input, display name and bytes.
type Job = Vec<(usize, String, Vec<u8>)>;

/// A parsing thread's answer: the document's position, display name and read.
type Parsed = (usize, String, Result<DocumentRead>);

/// The parsing threads: each takes the next document queued (so the input order is the order they are taken in),
/// parses it and sends the read back; the reader keeps the reads in input order.
struct Parsers {
    /// Dropped to tell the threads no document will come.
    jobs: Option<std::sync::mpsc::SyncSender<Job>>,
    parsed: Receiver<Parsed>,
    threads: Vec<JoinHandle<()>>,
    /// The batch being filled, and its bytes.
    batch: Job,
    batch_bytes: usize,
    /// Reads that came before the read of an earlier document, by position.
    waiting: BTreeMap<usize, (String, Result<DocumentRead>)>,
    n_queued: usize,
    n_kept: usize,
}

impl Parsers {
    fn start(n_workers: usize, on_invalid: OnInvalid) -> Result<Parsers> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(QUEUED_BATCHES);
        let (answer, parsed) = std::sync::mpsc::channel::<Parsed>();
        let queue = Arc::new(Mutex::new(queue));
        let mut parsers = Parsers {
            jobs: Some(jobs),
            parsed,
            threads: Vec::new(),
            batch: Vec::with_capacity(BATCH_DOCUMENTS),
            batch_bytes: 0,
            waiting: BTreeMap::new(),
            n_queued: 0,
            n_kept: 0,
        };
        for _ in 0..n_workers.max(1) {
            let queue = Arc::clone(&queue);
            let answer = answer.clone();
            let work = move || parse_queued(&queue, &answer, on_invalid);
            let thread = std::thread::Builder::new().name("ecospold2-parse".to_owned()).spawn(work);
            // On error the threads started already end when `parsers` is dropped.
            parsers.threads.push(thread.map_err(|e| Error::Thread { message: e.to_string() })?);
        }
        Ok(parsers)
    }

    /// Queues a document: adds it to the batch being filled, and hands a full batch over (waiting while the
    /// queue is full).
    fn queue(&mut self, file: String, bytes: Vec<u8>) -> Result<()> {
        self.batch_bytes += bytes.len();
        self.batch.push((self.n_queued, file, bytes));
        self.n_queued += 1;
        if self.batch.len() >= BATCH_DOCUMENTS || self.batch_bytes >= BATCH_BYTES {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Hands the batch being filled over to the parsing threads, waiting while the queue is full.
    fn hand_over(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        // A parsing thread only ends early by panicking: pass the panic on now rather than keep reading.
        if self.threads.iter().any(JoinHandle::is_finished) {
            self.join();
        }
        let jobs = self.jobs.as_ref().ok_or_else(|| Error::Thread { message: "the parsers were stopped".into() })?;
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_DOCUMENTS));
        self.batch_bytes = 0;
        // A send only fails when every parsing thread is gone, which only a panic does: it is passed on at join.
        if jobs.send(batch).is_err() {
            self.join();
            return Err(Error::Thread { message: "the parsing threads stopped".to_owned() });
        }
        Ok(())
    }

    /// Keeps, in input order, the reads that are ready (`wait`: every read of a document queued, after which no
    /// document can be queued); a document that failed is the error, the first in input order.
    fn keep_ready(&mut self, collector: &mut Collector, wait: bool) -> Result<()> {
        if wait {
            self.hand_over()?;
            // The threads end once the queue is empty, so a thread's panic cannot leave this waiting forever.
            self.jobs = None;
        }
        loop {
            while let Some((file, read)) = self.waiting.remove(&self.n_kept) {
                self.n_kept += 1;
                collector.add(&file, read?);
            }
            if self.n_kept == self.n_queued {
                return Ok(());
            }
            let next = if wait { self.parsed.recv().ok() } else { self.parsed.try_recv().ok() };
            match next {
                Some((idx, file, read)) => {
                    self.waiting.insert(idx, (file, read));
                }
                None if wait => {
                    // Every thread is gone with documents unanswered: only a panic does that.
                    self.join();
                    return Err(Error::Thread { message: "the parsing threads stopped".to_owned() });
                }
                None => return Ok(()),
            }
        }
    }

    /// Tells the threads no document will come and waits for them; a thread's panic is passed on.
    fn join(&mut self) {
        // A parser only panics on a violated internal invariant: pass the panic on.
        if let Some(panic) = self.stop() {
            std::panic::resume_unwind(panic);
        }
    }

    /// Closes the queue and joins every thread; the first thread's panic, if one panicked.
    fn stop(&mut self) -> Option<Box<dyn std::any::Any + Send>> {
        self.jobs = None;
        let mut first_panic = None;
        for thread in self.threads.drain(..) {
            if let Err(panic) = thread.join() {
                first_panic.get_or_insert(panic);
            }
        }
        first_panic
    }
}

impl Drop for Parsers {
    /// A read given up (an error) leaves no parsing thread behind.
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A parsing thread: parses queued documents until the queue is closed. It remembers the flows its own earlier
/// documents described, so their later exchanges need not describe them again; the first document (in input
/// order) that describes a flow always does, as each thread takes documents in input order.
fn parse_queued(queue: &Mutex<Receiver<Job>>, answer: &Sender<Parsed>, on_invalid: OnInvalid) {
    let mut packer = Packer::new();
    let mut described: HashSet<String> = HashSet::new();
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(batch) = job else { return };
        for (idx, file, bytes) in batch {
            let read = read_one(&file, &bytes, on_invalid, &|id: &str| described.contains(id), &mut packer);
            if let Ok(read) = &read {
                described.extend(read.exchange_flows.iter().map(|flow| flow.id.id.clone()));
                described.extend(read.master.flows.iter().map(|flow| flow.id.id.clone()));
            }
            if answer.send((idx, file, read)).is_err() {
                return;
            }
        }
    }
}

/// State of one read: limits, byte accounting, the parsing threads and the documents read so far.
struct Reader<'o> {
    options: &'o ReadOptions,
    budget: ByteBudget,
    n_entries_read: u64,
    /// Started with the first document.
    parsers: Option<Parsers>,
    collector: Collector,
    n_workers: usize,
}

impl<'o> Reader<'o> {
    fn new(options: &'o ReadOptions, input: &str) -> Self {
        let n_workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        Reader {
            options,
            budget: ByteBudget::new(input, options.limits()),
            n_entries_read: 0,
            parsers: None,
            collector: Collector::default(),
            n_workers,
        }
    }

    /// Queues a document for the parsing threads and keeps the reads that are ready.
    fn push(&mut self, file: String, bytes: Vec<u8>) -> Result<()> {
        let parsers = match &mut self.parsers {
            Some(parsers) => parsers,
            None => self.parsers.insert(Parsers::start(self.n_workers, self.options.on_invalid)?),
        };
        parsers.queue(file, bytes)?;
        self.n_entries_read += 1;
        parsers.keep_ready(&mut self.collector, false)
    }

    /// Waits for every document queued and keeps their reads; no document can be queued after.
    fn keep_parsed(&mut self) -> Result<()> {
        match &mut self.parsers {
            Some(parsers) => parsers.keep_ready(&mut self.collector, true),
            None => Ok(()),
        }
    }

    /// Notes a file not loaded, by kind.
    fn not_loaded(&mut self, kind: &str) {
        self.collector.not_loaded(kind);
    }

    /// [`Reader::finish`] after reading the documents with `read`; when reading failed, a document read before
    /// that failed to parse is the error, as it comes first in input order.
    fn conclude(mut self, read: Result<()>) -> Result<PackedReadOutput> {
        match read {
            Ok(()) => self.finish(),
            Err(error) => {
                self.keep_parsed()?;
                Err(error)
            }
        }
    }

    fn finish(mut self) -> Result<PackedReadOutput> {
        self.keep_parsed()?;
        if let Some(mut parsers) = self.parsers.take() {
            parsers.join();
        }
        let collector = std::mem::take(&mut self.collector);
        let (dataset, diagnostics, n_rejected) =
            collector.finish(self.n_workers).map_err(|e| Error::Pack { message: e.to_string() })?;
        Ok(PackedReadOutput { dataset, diagnostics, n_rejected, n_entries_read: self.n_entries_read })
    }
}

/// Parses and reads one document; a malformed one is an error or, under [`OnInvalid::Skip`], a rejection. The
/// processes read are packed here, on the worker's thread.
fn read_one(
    file: &str,
    bytes: &[u8],
    on_invalid: OnInvalid,
    known_flow: &dyn Fn(&str) -> bool,
    packer: &mut Packer,
) -> Result<DocumentRead> {
    let mut read = read_one_unpacked(file, bytes, on_invalid, known_flow)?;
    if !read.processes.is_empty() {
        for process in std::mem::take(&mut read.processes) {
            let packed = PackedProcess::pack(&process, packer)
                .map_err(|e| Error::Pack { message: format!("{file}: data set {}: {e}", process.id) })?;
            read.packed.push(packed);
        }
    }
    Ok(read)
}

fn read_one_unpacked(
    file: &str,
    bytes: &[u8],
    on_invalid: OnInvalid,
    known_flow: &dyn Fn(&str) -> bool,
) -> Result<DocumentRead> {
    match xml::parse_document(bytes) {
        Ok(doc) => Ok(datasets::read_document(file, &doc, known_flow)),
        Err(e) => match on_invalid {
            OnInvalid::Fail => Err(xml_error(file, e)),
            OnInvalid::Skip => {
                let code = match e.kind {
                    XmlErrorKind::Dtd => "ecospold2.dtd-refused",
                    XmlErrorKind::Malformed(_) => "ecospold2.malformed-xml",
                };
                let (line, column) = (e.line, e.column);
                let message = xml_error(file, e).to_string();
                let mut read = DocumentRead::default();
                read.reject(Diagnostic::error(code, message).in_file(file).at_line(line, Some(column)));
                Ok(read)
            }
        },
    }
}

fn xml_error(file: &str, e: XmlError) -> Error {
    let file = file.to_owned();
    match e.kind {
        XmlErrorKind::Dtd => Error::Dtd { file, line: e.line, column: e.column },
        XmlErrorKind::Malformed(message) => Error::MalformedXml { file, line: e.line, column: e.column, message },
    }
}

/// Documents the reader parses: `.spold` data sets and `.xml` data sets or MasterData.
fn is_document_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".spold") || lower.ends_with(".xml")
}

fn read_zip_inner<R: Read + Seek>(
    display_name: &str,
    reader: R,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<PackedReadOutput> {
    let mut archive = ZipContainer::open(display_name, reader, options.max_entries)?;
    let mut state = Reader::new(options, display_name);
    let mut selected = Vec::new();
    for (idx, name) in archive.file_entries()? {
        if is_document_name(&name) {
            selected.push((idx, name));
        } else {
            state.not_loaded("files without an .spold or .xml extension");
        }
    }
    selected.sort_by(|a, b| a.1.cmp(&b.1));
    let read = archive.for_each_entry(&selected, options.max_entry_bytes, progress, |file, _, entry| {
        let bytes = state.budget.read_limited(file, entry)?;
        state.push(file.to_owned(), bytes)
    });
    state.conclude(read)
}

fn read_7z_inner<R: Read + Seek>(
    display_name: &str,
    reader: R,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<PackedReadOutput> {
    use sevenz_rust2::{ArchiveReader, EntryDecision, Password};
    let seven_error =
        |e: sevenz_rust2::Error| Error::SevenZip { file: display_name.to_owned(), message: e.to_string() };
    let mut archive = ArchiveReader::new(reader, Password::empty()).map_err(seven_error)?;
    archive.set_thread_count(1);
    let entries = &archive.archive().files;
    let n_entries = entries.len() as u64;
    if n_entries > options.max_entries {
        return Err(Error::TooManyEntries { input: display_name.to_owned(), n_entries, limit: options.max_entries });
    }
    let mut state = Reader::new(options, display_name);
    let mut entries_total = 0u64;
    for entry in entries {
        if is_unsafe_entry_name(&entry.name) {
            return Err(Error::UnsafeEntryName { archive: display_name.to_owned(), entry: entry.name.clone() });
        }
        if entry.is_directory || !entry.has_stream {
            continue;
        }
        if is_document_name(&entry.name) {
            entries_total += 1;
        } else {
            state.not_loaded("files without an .spold or .xml extension");
        }
    }
    let mut failure: Option<Error> = None;
    let mut done = 0u64;
    let read = archive
        .for_each_entries_with_decision(|entry, data| {
            if entry.is_directory || !entry.has_stream || !is_document_name(&entry.name) {
                return Ok(EntryDecision::Continue);
            }
            let file = format!("{display_name}!{}", entry.name);
            progress(Progress { entries_done: done, entries_total, current: &file });
            done += 1;
            let result = if entry.size > options.max_entry_bytes {
                Err(Error::EntryTooLarge { file: file.clone(), limit: options.max_entry_bytes })
            } else {
                state.budget.read_limited(&file, data).map_err(Error::from).and_then(|bytes| state.push(file, bytes))
            };
            match result {
                Ok(()) => Ok(EntryDecision::Continue),
                Err(e) => {
                    failure = Some(e);
                    Ok(EntryDecision::Stop)
                }
            }
        })
        .map_err(seven_error)
        .and_then(|()| failure.map_or(Ok(()), Err));
    if read.is_ok() {
        progress(Progress { entries_done: entries_total, entries_total, current: display_name });
    }
    state.conclude(read)
}

fn read_dir(
    root: &Path,
    display_name: &str,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<PackedReadOutput> {
    let mut state = Reader::new(options, display_name);
    let files = walk_dir(root, display_name, options.max_entries, |_, name, file_type| {
        if file_type.is_dir() {
            WalkStep::Descend
        } else if file_type.is_file() && is_document_name(name) {
            WalkStep::Take
        } else {
            state.not_loaded("files without an .spold or .xml extension");
            WalkStep::Skip
        }
    })?;
    let read = for_each_file(&files, display_name, progress, |file, _, handle| {
        let bytes = state.budget.read_file_limited(file, handle)?;
        state.push(file.to_owned(), bytes)
    });
    state.conclude(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_describe_every_field() {
        assert_eq!(
            ReadOptions::default().describe(),
            "max_entry_bytes=268435456;max_total_bytes=17179869184;max_entries=1000000;on_invalid=fail"
        );
    }
}

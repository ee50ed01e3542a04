//! Scoped parallel work whose output order never depends on thread timing.

/// Runs `work` on every chunk, each on a scoped thread of its own, and concatenates the results in chunk order. A
/// worker only panics on a violated internal invariant: its panic is passed on.
pub fn in_parallel<C: Send, R: Send>(
    chunks: impl IntoIterator<Item = C>,
    work: &(impl Fn(C) -> Vec<R> + Sync),
) -> Vec<R> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks.into_iter().map(|chunk| scope.spawn(move || work(chunk))).collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_chunk_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = in_parallel(items.chunks(7), &|chunk: &[u32]| chunk.iter().map(|x| x * 2).collect());
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(in_parallel(Vec::<Vec<u8>>::new(), &|chunk: Vec<u8>| chunk).is_empty());
    }
}

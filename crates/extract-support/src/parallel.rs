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

/// Maps every item with `work` on `n_workers` scoped threads that each take the next item not yet taken (so a
/// few large items do not leave a thread idle), each with its own state from `init`; results in item order. A
/// worker only panics on a violated internal invariant: its panic is passed on.
pub fn map_in_parallel<T: Sync, S, R: Send>(
    items: &[T],
    n_workers: usize,
    init: &(impl Fn() -> S + Sync),
    work: &(impl Fn(&mut S, &T) -> R + Sync),
) -> Vec<R> {
    let n_workers = n_workers.clamp(1, items.len().max(1));
    if n_workers == 1 {
        let mut state = init();
        return items.iter().map(|item| work(&mut state, item)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || {
        let mut state = init();
        let mut done = Vec::new();
        loop {
            let idx = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(idx) else { return done };
            done.push((idx, work(&mut state, item)));
        }
    };
    let per_worker: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n_workers).map(|_| scope.spawn(worker)).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (idx, result) in per_worker.into_iter().flatten() {
        slots[idx] = Some(result);
    }
    // Every index below items.len() was taken exactly once by the counter.
    slots.into_iter().map(|slot| slot.expect("every item was mapped")).collect()
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

    #[test]
    fn mapped_results_come_in_item_order_with_per_worker_state() {
        let items: Vec<u64> = (0..1000).collect();
        for n_workers in [0, 1, 2, 7] {
            // Uneven work: a few items take much longer than the rest.
            let squared = map_in_parallel(&items, n_workers, &Vec::<u64>::new, &|seen, x| {
                seen.push(*x);
                if x % 97 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                x * x
            });
            assert_eq!(squared, items.iter().map(|x| x * x).collect::<Vec<_>>(), "{n_workers} workers");
        }
        assert!(map_in_parallel(&[] as &[u8], 2, &|| (), &|_, x| *x).is_empty());
    }
}

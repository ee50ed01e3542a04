//! Scoped parallel work whose output order never depends on thread timing.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, PoisonError, mpsc};

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

/// Items a worker of [`map_in_order`] takes at once, and answers with one message: taken one by one, each answer
/// woke the caller (two context switches per item; 25,000 for the processes of an ecoinvent release).
const ITEMS_PER_TAKE: usize = 8;

/// Maps every item with `work` on `n_workers` scoped threads that each take the next items not yet taken, up to
/// `ITEMS_PER_TAKE` at once (so a few slow items do not leave a thread idle), each thread with its own state
/// from `init`, and hands the results to `keep` on the calling thread in item order, each as soon as it and every
/// earlier one are done: the caller's work on result `i` overlaps the mapping of the ones after it. At most
/// `window` items are taken ahead of the last one kept, which bounds the results held at once. The first error of
/// `keep` stops the work and is returned. A worker only panics on a violated internal invariant: its panic is
/// passed on.
pub fn map_in_order<T: Send, S, R: Send, E>(
    items: Vec<T>,
    n_workers: usize,
    window: usize,
    init: &(impl Fn() -> S + Sync),
    work: &(impl Fn(&mut S, T) -> R + Sync),
    mut keep: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    let n_items = items.len();
    let n_workers = n_workers.clamp(1, n_items.max(1));
    let window = window.max(1);
    if n_workers == 1 {
        let mut state = init();
        return items.into_iter().try_for_each(|item| keep(work(&mut state, item)));
    }
    let queue: Queue<_> = Mutex::new((items.into_iter().enumerate(), Some(0usize)));
    let kept_moved = Condvar::new();
    let (answer, answers) = mpsc::channel::<Vec<(usize, R)>>();
    std::thread::scope(|scope| {
        for _ in 0..n_workers {
            let answer = answer.clone();
            let (queue, kept_moved) = (&queue, &kept_moved);
            scope.spawn(move || {
                let _stop = StopOnPanic { queue, kept_moved };
                let mut state = init();
                let mut taken = Vec::with_capacity(ITEMS_PER_TAKE);
                loop {
                    {
                        let mut guard = queue.lock().unwrap_or_else(PoisonError::into_inner);
                        loop {
                            let (pending, kept) = &mut *guard;
                            let Some(kept) = *kept else { break };
                            // Within the window (or the last items): take as many as may be, up to the limit.
                            while taken.len() < ITEMS_PER_TAKE
                                && (pending.len() == 0 || n_items - pending.len() < kept + window)
                                && let Some(next) = pending.next()
                            {
                                taken.push(next);
                            }
                            if !taken.is_empty() || pending.len() == 0 {
                                break;
                            }
                            guard = kept_moved.wait(guard).unwrap_or_else(PoisonError::into_inner);
                        }
                    }
                    if taken.is_empty() {
                        return;
                    }
                    let results = taken.drain(..).map(|(idx, item)| (idx, work(&mut state, item))).collect();
                    if answer.send(results).is_err() {
                        return;
                    }
                }
            });
        }
        drop(answer);
        // A panic in `keep` must not leave a worker waiting for the window: the scope joins them all.
        let _stop = StopOnPanic { queue: &queue, kept_moved: &kept_moved };
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let mut n_kept = 0;
        // Every worker gone with items unanswered: only a panic does that, and the scope passes it on.
        while let Ok(results) = answers.recv() {
            waiting.extend(results);
            let before = n_kept;
            while let Some(result) = waiting.remove(&n_kept) {
                n_kept += 1;
                if let Err(error) = keep(result) {
                    stop_workers(&queue, &kept_moved);
                    return Err(error);
                }
            }
            if n_kept > before {
                let mut guard = queue.lock().unwrap_or_else(PoisonError::into_inner);
                if guard.1.is_some() {
                    guard.1 = Some(n_kept);
                }
                kept_moved.notify_all();
            }
            if n_kept == n_items {
                break;
            }
        }
        Ok(())
    })
}

/// The queue of [`map_in_order`]: the items not yet taken, and how far the caller has kept (`None`: stopped).
type Queue<I> = Mutex<(I, Option<usize>)>;

/// Tells [`map_in_order`]'s workers to take no more items, waking those that wait for the window.
fn stop_workers<I>(queue: &Queue<I>, kept_moved: &Condvar) {
    queue.lock().unwrap_or_else(PoisonError::into_inner).1 = None;
    kept_moved.notify_all();
}

/// Stops [`map_in_order`]'s workers when dropped during a panic (of a worker or of the caller's `keep`), so that
/// no worker waits for the window to move: the scope joins every worker before it passes the panic on.
struct StopOnPanic<'a, I> {
    queue: &'a Queue<I>,
    kept_moved: &'a Condvar,
}

impl<I> Drop for StopOnPanic<'_, I> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Never held here: the queue's lock is only taken around taking an item, which does not panic.
            stop_workers(self.queue, self.kept_moved);
        }
    }
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
    fn mapped_results_are_kept_in_item_order_with_per_worker_state() {
        let items: Vec<u64> = (0..1000).collect();
        for (n_workers, window) in [(0, 4), (1, 4), (2, 1), (2, 16), (7, 3)] {
            let mut kept = Vec::new();
            // Uneven work: a few items take much longer than the rest.
            let work = |seen: &mut Vec<u64>, x: u64| {
                seen.push(x);
                if x.is_multiple_of(97) {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                x * x
            };
            let done: Result<(), ()> = map_in_order(items.clone(), n_workers, window, &Vec::new, &work, |r| {
                kept.push(r);
                Ok(())
            });
            assert_eq!(done, Ok(()));
            assert_eq!(kept, items.iter().map(|x| x * x).collect::<Vec<_>>(), "{n_workers} workers");
        }
        let none: Result<(), ()> = map_in_order(Vec::<u8>::new(), 2, 4, &|| (), &|_, x| x, |_| Err(()));
        assert_eq!(none, Ok(()));
    }

    #[test]
    fn the_first_error_in_item_order_stops_the_work() {
        let taken = std::sync::atomic::AtomicUsize::new(0);
        let mut kept = Vec::new();
        let work = |_: &mut (), x: u32| {
            taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            x
        };
        let done = map_in_order((0..10_000).collect(), 2, 8, &|| (), &work, |x| {
            if x == 100 {
                return Err(format!("item {x}"));
            }
            kept.push(x);
            Ok(())
        });
        assert_eq!(done, Err("item 100".to_owned()));
        assert_eq!(kept, (0..100).collect::<Vec<_>>());
        // The window keeps the workers close behind: they stop soon after the error, not at the end.
        assert!(taken.load(std::sync::atomic::Ordering::Relaxed) <= 100 + 1 + 8 + 2, "{taken:?}");
    }

    /// Runs `f` on a thread of its own and says whether it panicked, failing the test if it takes over 30 s (a
    /// hang) instead of hanging the test run.
    fn panics_without_hanging(f: impl FnOnce() + Send + 'static) -> bool {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err();
            let _ = done.send(panicked);
        });
        finished.recv_timeout(std::time::Duration::from_secs(30)).expect("no hang")
    }

    #[test]
    fn a_panic_of_a_worker_or_of_keep_is_passed_on_without_a_hang() {
        // A worker panics on item 10 while the others wait for the window to move past it.
        assert!(panics_without_hanging(|| {
            let work = |_: &mut (), x: u32| {
                assert!(x != 10, "item {x}");
                x
            };
            let _ = map_in_order((0..10_000).collect(), 3, 4, &|| (), &work, |_| Ok::<(), ()>(()));
        }));
        // The caller's keep panics while the workers wait for it.
        assert!(panics_without_hanging(|| {
            let keep = |x: u32| {
                assert!(x != 10, "kept {x}");
                Ok::<(), ()>(())
            };
            let _ = map_in_order((0..10_000).collect(), 2, 4, &|| (), &|_: &mut (), x: u32| x, keep);
        }));
    }
}

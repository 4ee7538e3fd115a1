//! Per-value work spread over the machine's cores.
//!
//! A file's values are encrypted and decrypted independently of each other; only the MAC and
//! the records kept per value need file order. Large files therefore do the cipher work of
//! every value first, on every core, and then go through the results in order.

use std::thread;

/// Items each thread gets at least: below this, starting a thread costs more than it saves
/// (a value's cipher work is about a microsecond, starting a thread tens of them).
const MIN_PER_THREAD: usize = 1024;

fn threads(len: usize) -> usize {
    if len < 2 * MIN_PER_THREAD {
        return 1;
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(len / MIN_PER_THREAD).max(1)
}

/// The results of a run of consecutive items, and the state they were made with.
pub struct Part<S, R> {
    /// What `init` made for the run, as `f` left it (buffers the results point into).
    pub state: S,
    /// The run's results, in item order.
    pub results: Vec<R>,
}

/// `f` applied to every item with a state of its thread's, made by `init`: one [`Part`] per
/// run of items, in item order, so results can point into buffers their thread filled.
/// On several threads when there are enough items and cores; a panic in `f` is raised
/// again on the calling thread.
pub fn map_parts<T: Sync, S: Send, R: Send>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<Part<S, R>> {
    let run = |part: &[T]| {
        let mut state = init();
        let results = part.iter().map(|item| f(&mut state, item)).collect();
        Part { state, results }
    };
    let threads = threads(items.len());
    if threads == 1 {
        return vec![run(items)];
    }
    let chunk = items.len().div_ceil(threads);
    let run = &run;
    thread::scope(|scope| {
        let rest: Vec<_> = items
            .chunks(chunk)
            .skip(1)
            .map(|part| scope.spawn(move || run(part)))
            .collect();
        let mut parts = vec![run(&items[..chunk])];
        for part in rest {
            match part.join() {
                Ok(part) => parts.push(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_batches_stay_on_the_calling_thread() {
        let caller = thread::current().id();
        let items = vec![(); 2 * MIN_PER_THREAD - 1];
        let parts = map_parts(&items, || (), |(), _| thread::current().id());
        assert_eq!(parts.len(), 1);
        assert!(parts[0].results.iter().all(|id| *id == caller));
    }

    #[test]
    fn parts_cover_the_items_in_order_each_with_its_own_state() {
        for len in [0, 5, 2 * MIN_PER_THREAD, 10_007] {
            let items: Vec<usize> = (0..len).collect();
            let parts = map_parts(&items, Vec::new, |seen: &mut Vec<usize>, &i| {
                seen.push(i);
                seen.len() - 1
            });
            let mut next = 0;
            for part in &parts {
                // Each result points into its own part's state.
                for &r in &part.results {
                    assert_eq!(part.state[r], next);
                    next += 1;
                }
            }
            assert_eq!(next, len);
        }
    }

    #[test]
    #[should_panic(expected = "item 5000")]
    fn a_panic_on_another_thread_reaches_the_caller() {
        let items: Vec<usize> = (0..8 * MIN_PER_THREAD).collect();
        map_parts(
            &items,
            || (),
            |(), &i| {
                // On one core the item is on the calling thread; on several, on another.
                if i == 5000 {
                    panic!("item {i}");
                }
            },
        );
    }
}

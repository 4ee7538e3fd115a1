//! Per-value work spread over the machine's cores.
//!
//! A file's values are encrypted and decrypted independently of each other; only the MAC and
//! the records kept per value need file order. Large files therefore do the cipher work for
//! a window of values ahead, on every core, and walk the tree in order through the results.

use std::thread;

/// Items each thread gets at least: below this, starting a thread costs more than it saves
/// (a value's cipher work is about a microsecond, starting a thread tens of them).
const MIN_PER_THREAD: usize = 1024;

/// Items whose results are made at once by a [`Window`]: enough to keep every core busy,
/// few enough that the results held at a time take about a megabyte.
const WINDOW: usize = 8 * MIN_PER_THREAD;

/// Results of work done ahead of a walk that takes them in item order, a window of items at a
/// time on every core: memory holds one window's results, not all of them.
pub struct Window<R> {
    start: usize,
    results: Vec<Option<R>>,
}

impl<R> Default for Window<R> {
    fn default() -> Self {
        Window {
            start: 0,
            results: Vec::new(),
        }
    }
}

impl<R: Send> Window<R> {
    /// The result of `f` for `items[i]`, made with the window of items from `i` on when `i`
    /// is past the current window. `None` for an item behind the window or taken already:
    /// the caller does that work itself.
    pub fn take<T: Sync>(
        &mut self,
        items: &[T],
        i: usize,
        f: impl Fn(&T) -> R + Sync,
    ) -> Option<R> {
        if i < self.start || i >= items.len() {
            return None;
        }
        if i >= self.start + self.results.len() {
            let end = items.len().min(i + WINDOW);
            self.results = map(&items[i..end], f).into_iter().map(Some).collect();
            self.start = i;
        }
        self.results[i - self.start].take()
    }
}

/// Whether [`map`] would use more than one thread for `len` items: callers skip collecting
/// work up front when it would not.
pub fn worthwhile(len: usize) -> bool {
    threads(len) > 1
}

fn threads(len: usize) -> usize {
    if len < 2 * MIN_PER_THREAD {
        return 1;
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(len / MIN_PER_THREAD).max(1)
}

/// `f` applied to every item, results in item order; on several threads when there are
/// enough items and cores. A panic in `f` is raised again on the calling thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads(items.len());
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    thread::scope(|scope| {
        let rest: Vec<_> = items
            .chunks(chunk)
            .skip(1)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        out.extend(items[..chunk].iter().map(f));
        for part in rest {
            match part.join() {
                Ok(results) => out.extend(results),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_item_order_on_any_number_of_threads() {
        for len in [0, 1, 2 * MIN_PER_THREAD - 1, 2 * MIN_PER_THREAD, 10_007] {
            let items: Vec<usize> = (0..len).collect();
            let doubled = map(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn small_batches_stay_on_the_calling_thread() {
        assert!(!worthwhile(2 * MIN_PER_THREAD - 1));
        let caller = thread::current().id();
        let items = vec![(); 2 * MIN_PER_THREAD - 1];
        assert!(map(&items, |_| thread::current().id())
            .iter()
            .all(|id| *id == caller));
    }

    #[test]
    fn a_window_makes_results_as_the_walk_reaches_them() {
        let items: Vec<usize> = (0..3 * WINDOW + 5).collect();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let square = |&i: &usize| {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            i * i
        };
        let mut window = Window::default();
        assert_eq!(window.take(&items, 0, square), Some(0));
        // One window made, not everything.
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), WINDOW);
        assert_eq!(window.take(&items, 0, square), None, "taken already");
        // Items the walk skips are skipped; the next window starts where the walk is.
        assert_eq!(
            window.take(&items, WINDOW + 7, square),
            Some((WINDOW + 7).pow(2))
        );
        assert_eq!(window.take(&items, 5, square), None, "behind the window");
        let last = items.len() - 1;
        assert_eq!(window.take(&items, last, square), Some(last * last));
        assert_eq!(window.take(&items, items.len(), square), None);
    }

    #[test]
    #[should_panic(expected = "item 5000")]
    fn a_panic_on_another_thread_reaches_the_caller() {
        let items: Vec<usize> = (0..8 * MIN_PER_THREAD).collect();
        map(&items, |&i| {
            // On one core the item is on the calling thread; on several, on another.
            if i == 5000 {
                panic!("item {i}");
            }
        });
    }
}

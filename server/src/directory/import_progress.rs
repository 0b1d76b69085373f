//! Imports running now, so the person who started one can watch it move (the console's
//! progress bar). Kept in memory: an import lives only as long as its request.

use proto::api::import::ImportProgress;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Running {
    next: AtomicU64,
    entries: Mutex<HashMap<u64, Entry>>,
}

struct Entry {
    site_id: i64,
    user_row: i64,
    tag: String,
    dry_run: bool,
    rows: usize,
    done: Arc<AtomicUsize>,
}

/// One running import's counter; dropping it (the import ended, however) forgets it.
pub struct Watch {
    id: u64,
    done: Arc<AtomicUsize>,
    registry: Arc<Running>,
}

impl Watch {
    /// `rows` more rows have their outcome.
    pub fn add(&self, rows: usize) {
        self.done.fetch_add(rows, Ordering::Relaxed);
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(mut entries) = self.registry.entries.lock() {
            entries.remove(&self.id);
        }
    }
}

impl Running {
    pub fn start(self: &Arc<Self>, site_id: i64, user_row: i64, tag: &str, dry_run: bool, rows: usize) -> Watch {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let done = Arc::new(AtomicUsize::new(0));
        let entry = Entry { site_id, user_row, tag: tag.to_owned(), dry_run, rows, done: done.clone() };
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(id, entry);
        }
        Watch { id, done, registry: self.clone() }
    }

    /// The imports one person is running on one site, oldest first.
    pub fn of(&self, site_id: i64, user_row: i64) -> Vec<ImportProgress> {
        let Ok(entries) = self.entries.lock() else { return vec![] };
        let mut mine: Vec<(&u64, &Entry)> =
            entries.iter().filter(|(_, e)| e.site_id == site_id && e.user_row == user_row).collect();
        mine.sort_by_key(|(id, _)| **id);
        mine.into_iter()
            .map(|(_, e)| ImportProgress {
                tag: e.tag.clone(),
                dry_run: e.dry_run,
                rows: e.rows,
                rows_done: e.done.load(Ordering::Relaxed).min(e.rows),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_while_running_and_forgets_when_done() {
        let running = Arc::new(Running::default());
        let watch = running.start(1, 7, "csv-abc", false, 10);
        let _other = running.start(1, 8, "someone else's", true, 5);
        watch.add(3);
        watch.add(20);
        let mine = running.of(1, 7);
        assert_eq!(mine.len(), 1);
        assert_eq!((mine[0].tag.as_str(), mine[0].rows, mine[0].rows_done), ("csv-abc", 10, 10), "never past the rows");
        assert!(running.of(2, 7).is_empty(), "another site's person is another person");
        drop(watch);
        assert!(running.of(1, 7).is_empty());
        assert_eq!(running.of(1, 8).len(), 1);
    }
}

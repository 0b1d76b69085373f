//! What the search knows of each site's directory between searches: its size, and on
//! PostgreSQL a sample of its people's search text, which tells a common term from a rare
//! one and which three-letter pieces of a term nearly everyone has.
//!
//! Both were read for every search before: two statements of the four a rare term's page
//! takes on PostgreSQL (about 0.45 ms of a 1 ms search that finds nobody at 100,000
//! people), and counting the pieces in SQL cost 0.7 ms more, so it ran from 300,000 people
//! only. A directory's size and its common pieces change slowly, and only the plan of a
//! search depends on them, never its answer: the size is read again after [`FRESH`], the
//! sample taken again when the size moved by a tenth or after [`RESAMPLE_AFTER`].

use super::Conn;
use super::search::{directory_size, sample_rows};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a directory's size, once read, stands for it.
const FRESH: Duration = Duration::from_secs(5);

/// How long a sample stands for a directory whose size has not moved (edits change
/// people's text without adding anyone).
const RESAMPLE_AFTER: Duration = Duration::from_secs(300);

/// A piece of a term is rare in the sample when at most 1 in this many sampled people
/// have it.
const RARE_IN: i64 = 50;

/// The search's picture of each site's directory, shared by every request of the process.
#[derive(Default)]
pub struct Samples {
    sites: Mutex<HashMap<i64, Arc<Known>>>,
}

/// A site's directory as last read.
struct Known {
    /// The directory's size ([`directory_size`]), read at `read_at`.
    people: i64,
    read_at: Instant,
    sample: Arc<Sampled>,
}

/// A sample of a site's people (none on SQLite, whose probe reads its FTS index and is
/// cheap).
struct Sampled {
    /// The directory's size when it was taken, and when.
    people: i64,
    at: Instant,
    /// Each sampled person's page of the table (for terms whose people one import put
    /// together on a page or two) and search text (lower case).
    rows: Vec<(i64, String)>,
    /// The sampled people (indexes of `rows`) with each three-letter piece in their text:
    /// a term's people are among those of its rarest piece.
    pieces: HashMap<[char; 3], Vec<u32>>,
}

impl Sampled {
    fn new(people: i64, rows: Vec<(i64, String)>) -> Self {
        let mut pieces: HashMap<[char; 3], Vec<u32>> = HashMap::new();
        for (i, (_, text)) in rows.iter().enumerate() {
            let chars: Vec<char> = text.chars().collect();
            for w in chars.windows(3) {
                let holders = pieces.entry([w[0], w[1], w[2]]).or_default();
                // Once a person: a piece twice in one text is one person who has it.
                if holders.last() != Some(&(i as u32)) {
                    holders.push(i as u32);
                }
            }
        }
        Sampled { people, at: Instant::now(), rows, pieces }
    }

    /// What the sample tells of `term` (lower case, 3 characters or more) in a directory
    /// of `people`.
    ///
    /// Common means found on at least three of the sampled pages (people are stored in
    /// the order they were added, so a term of one import's batch fills a page or two and
    /// a sample that lands there would overrate it; a site too small for three pages is
    /// probed as before), and either at least 1 in 20 of the sampled people (5,000 among
    /// 100,000), or at least [`SEEN`] of them and twice as many as the probe may find
    /// ([`super::search::few_for`]), which then would read its limit and give up.
    /// Why: on PostgreSQL the probe of a term of 12,500 matches among 100,000 reads some
    /// 8,000 rows before it can call it common (7.5 ms for "okafor"); at 1,000,000 the
    /// probe of "Person 12" (11,111 matches) read 3,163 for 2.4 ms before its walk.
    fn judge(&self, term: &str, people: i64) -> Sample {
        let sampled = self.rows.len() as i64;
        let chars: Vec<char> = term.chars().collect();
        let holders: Vec<&[u32]> =
            chars.windows(3).map(|w| self.pieces.get(&[w[0], w[1], w[2]]).map_or(&[][..], Vec::as_slice)).collect();
        let rarest = holders.iter().min_by_key(|h| h.len()).copied().unwrap_or_default();
        let mut pages = HashSet::new();
        let mut matched = 0;
        for &i in rarest {
            let (page, text) = &self.rows[i as usize];
            if text.contains(term) {
                matched += 1;
                pages.insert(*page);
            }
        }
        let beyond_the_probe = matched >= SEEN && matched * people >= 2 * super::search::few_for(people) * sampled;
        let hits: Vec<i64> = holders.iter().map(|h| h.len() as i64).collect();
        Sample {
            common: pages.len() >= 3 && (matched * 20 >= sampled || beyond_the_probe),
            looked_up: rare_part(&chars, &hits, sampled),
        }
    }
}

/// The fewest sampled people with a term that tell how many have it in the directory.
const SEEN: i64 = 10;

/// What a sample of the site's people tells of a search term.
#[derive(Default, Debug, PartialEq)]
pub struct Sample {
    /// The term is so common that walking the page's sort order beats even the probe of
    /// [`super::search::few`].
    pub common: bool,
    /// The part of the term for the trigram index to look up, when some of its
    /// three-letter pieces are in nearly everyone's search text (a shared email domain,
    /// a word of every name): PostgreSQL's index reads every entry of each piece it looks
    /// up, and at 1,000,000 people the probe of "person4242" read 1,428 pages for 28 ms,
    /// where its part "n4242" takes 1 ms ("son 777" 52 → 4 ms, " 777").
    pub looked_up: Option<String>,
}

impl Samples {
    /// The directory's size and what the site's sample tells of `term` (lower case, 3
    /// characters or more), read again when they are old ([`FRESH`], [`RESAMPLE_AFTER`]).
    pub async fn judge(&self, db: &mut Conn, site_id: i64, term: &str) -> sqlx::Result<(i64, Sample)> {
        let known = self.known(db, site_id).await?;
        Ok((known.people, known.sample.judge(term, known.people)))
    }

    async fn known(&self, db: &mut Conn, site_id: i64) -> sqlx::Result<Arc<Known>> {
        let last = self.sites.lock().unwrap_or_else(|e| e.into_inner()).get(&site_id).cloned();
        if let Some(known) = &last
            && known.read_at.elapsed() < FRESH
        {
            return Ok(known.clone());
        }
        let people = directory_size(db).await?;
        let sample = match last {
            Some(known) if known.sample.at.elapsed() < RESAMPLE_AFTER && close(known.sample.people, people) => {
                known.sample.clone()
            }
            _ => Arc::new(Sampled::new(people, sample_rows(db, site_id).await?)),
        };
        let known = Arc::new(Known { people, read_at: Instant::now(), sample });
        self.sites.lock().unwrap_or_else(|e| e.into_inner()).insert(site_id, known.clone());
        Ok(known)
    }
}

/// Whether a directory of `now` people is within a tenth of the `then` it was sampled at.
fn close(then: i64, now: i64) -> bool {
    (now - then).abs() * 10 <= then.max(now)
}

/// The longest run of `term` whose three-letter pieces (with their sample `hits`) are
/// rare, when it is not the whole term and the index has a trigram for it: three letters
/// or digits in a row, or two at a word's edge (" 12" of "person 12": pg_trgm pads words,
/// so that is the trigram of the words that begin with 12). A pattern of no trigram would
/// make the index read everything.
fn rare_part(term: &[char], hits: &[i64], sampled: i64) -> Option<String> {
    // Pieces from..to (piece i is term[i..i + 3]).
    let (mut best, mut from) = ((0, 0), 0);
    for (i, h) in hits.iter().enumerate() {
        if *h * RARE_IN > sampled {
            from = i + 1;
        } else if i + 1 - from > best.1 - best.0 {
            best = (from, i + 1);
        }
    }
    let (from, to) = best;
    if sampled == 0 || to == from || to - from == hits.len() {
        return None;
    }
    let part = &term[from..to + 2];
    let word = |c: &char| c.is_alphanumeric();
    let trigram = |w: &[char]| word(&w[1]) && (word(&w[0]) || word(&w[2]));
    part.windows(3).any(trigram).then(|| part.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_is_looked_up_by_its_longest_rare_run() {
        let chars = |t: &str| t.chars().collect::<Vec<_>>();
        // "person4242": per ers rso son on4 n42 424 242, of 340 sampled people.
        let hits = [340, 340, 340, 340, 37, 4, 6, 5];
        assert_eq!(rare_part(&chars("person4242"), &hits, 340).as_deref(), Some("n4242"));
        assert_eq!(rare_part(&chars("person4242"), &[0; 8], 340), None, "all rare: the whole term");
        assert_eq!(rare_part(&chars("person4242"), &[340; 8], 340), None, "none rare: the whole term");
        assert_eq!(rare_part(&chars("ab@ex"), &[340, 0, 0], 340).as_deref(), Some("b@ex"), "a word's edge: \"ex\"");
        assert_eq!(rare_part(&chars("ab@.x"), &[340, 0, 0], 340), None, "no trigram in \"b@.x\"");
        let person_12 = [340, 340, 340, 340, 340, 40, 3];
        assert_eq!(rare_part(&chars("person 12"), &person_12, 340).as_deref(), Some(" 12"));
        assert_eq!(rare_part(&chars("son 777"), &[340, 300, 0, 0, 0], 340).as_deref(), Some("n 777"));
    }

    /// 400 people on 10 pages of 40: "person N lee@example.com" for N in 0..400.
    fn sample() -> Sampled {
        Sampled::new(400, (0..400).map(|i| (i / 40, format!("person {i} lee@example.com"))).collect())
    }

    #[test]
    fn a_sample_counts_each_piece_once_a_person() {
        let s = sample();
        assert_eq!(s.pieces[&['p', 'e', 'r']].len(), 400);
        let twice = Sampled::new(1, vec![(0, "aaaa".into())]);
        assert_eq!(twice.pieces[&['a', 'a', 'a']], [0], "\"aaa\" twice in one text: one person");
        assert_eq!(s.pieces[&[' ', '1', '2']].len(), 11, "12 and 120-129");
    }

    #[test]
    fn a_term_is_common_when_a_twentieth_of_the_sample_on_three_pages_has_it() {
        let s = sample();
        assert!(s.judge("example", 400).common);
        // "person 1": 1, 10-19 and 100-199, 111 people on pages 0 and 2-4.
        assert!(s.judge("person 1", 400).common);
        // "person 12": 12 and 120-129, under a twentieth.
        assert!(!s.judge("person 12", 400).common);
        assert_eq!(s.judge("nobody", 400), Sample::default());
        // 40 of 400 people, one import's batch on one page: not common; spread: common.
        let batch = (0..400).map(|i| (i / 40, if (200..240).contains(&i) { "okafor" } else { "lee" }.to_owned()));
        assert!(!Sampled::new(400, batch.collect()).judge("okafor", 400).common);
        let spread = (0..400).map(|i| (i / 40, if i % 10 == 0 { "okafor" } else { "lee" }.to_owned()));
        assert!(Sampled::new(400, spread.collect()).judge("okafor", 400).common);
    }

    #[test]
    fn a_term_is_common_when_the_sample_shows_twice_what_the_probe_may_find() {
        // 1,000 sampled people on 30 pages, 12 with "person 12" on 12 pages, 5 with "son 5".
        let rows = (0..1000).map(|i| {
            let text = match i % 90 {
                0 => "person 12 lee",
                1 if i < 450 => "son 5",
                _ => "someone",
            };
            (i / 34, text.to_owned())
        });
        let s = Sampled::new(1_000_000, rows.collect());
        // Among 1,000,000 (the probe's limit is 2,213 or 3,162): 12,000 people, common.
        assert!(s.judge("person 12", 1_000_000).common);
        // Among 100,000 (a limit of 700 or 1,000): 1,200, not twice the limit.
        assert!(!s.judge("person 12", 100_000).common);
        // 5 seen tell too little.
        assert!(!s.judge("son 5", 1_000_000).common);
    }

    #[test]
    fn a_rare_term_is_looked_up_by_its_rare_pieces() {
        // "person 377": everyone has "per" to "on ", 111 have "n 3", 11 " 37", 1 "377".
        assert_eq!(sample().judge("person 377", 400), Sample { common: false, looked_up: Some("377".into()) });
    }

    #[test]
    fn an_empty_sample_says_nothing() {
        let s = Sampled::new(0, vec![]);
        assert_eq!(s.judge("person 12", 0), Sample::default());
    }

    #[test]
    fn a_sample_is_taken_again_when_the_directory_moved_by_a_tenth() {
        assert!(close(100_000, 109_000));
        assert!(!close(100_000, 112_000));
        assert!(!close(0, 1));
        assert!(close(0, 0));
    }
}

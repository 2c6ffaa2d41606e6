//! How two `pattern`s of a string relate: whether every string the old one
//! accepts is still accepted, and the other way round.
//!
//! An OpenAPI `pattern` is unanchored: a value is valid when the pattern
//! matches anywhere in it. Each pattern becomes a DFA (ASCII classes, as a
//! pattern without the `u` flag reads them), and the two run side by side
//! over every byte string, breadth first, remembering for each whether it
//! has matched yet. A pair of states where one side has matched and the
//! other cannot any more is a witness that the first accepts a string the
//! second refuses.

use std::collections::{HashSet, VecDeque};

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};

/// The most state pairs the comparison visits before it gives up.
const MAX_PAIRS: usize = 200_000;
/// The most bytes one DFA may take.
const MAX_DFA_BYTES: usize = 4 << 20;

/// How the set of strings a new pattern accepts relates to the old one's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The same strings.
    Same,
    /// Every old string and more.
    Wider,
    /// Only old strings, and not all of them.
    Narrower,
    /// Some strings only the old one accepts, some only the new one.
    Different,
    /// The comparison could not be made (a pattern this reader does not
    /// support, or too large to compare).
    Unknown,
}

/// How `new` relates to `old`.
pub fn relation(old: &str, new: &str) -> Relation {
    let (Some(old), Some(new)) = (dfa(old), dfa(new)) else {
        return Relation::Unknown;
    };
    let lost = accepts_outside(&old, &new);
    let gained = accepts_outside(&new, &old);
    match (lost, gained) {
        (Some(false), Some(false)) => Relation::Same,
        (Some(false), Some(true)) => Relation::Wider,
        (Some(true), Some(false)) => Relation::Narrower,
        (Some(true), Some(true)) => Relation::Different,
        _ => Relation::Unknown,
    }
}

fn dfa(pattern: &str) -> Option<dense::DFA<Vec<u32>>> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Unanchored)
                .dfa_size_limit(Some(MAX_DFA_BYTES))
                .determinize_size_limit(Some(MAX_DFA_BYTES)),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .thompson(thompson::Config::new().utf8(false))
        .build(pattern)
        .ok()
}

/// Whether `a` accepts some string that `b` refuses; `None` when that
/// cannot be told within [`MAX_PAIRS`].
fn accepts_outside(a: &dense::DFA<Vec<u32>>, b: &dense::DFA<Vec<u32>>) -> Option<bool> {
    let config = start::Config::new().anchored(Anchored::No);
    let start = (
        a.start_state(&config).ok()?,
        false,
        b.start_state(&config).ok()?,
        false,
    );
    let mut seen: HashSet<(StateID, bool, StateID, bool)> = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some((sa, ma, sb, mb)) = queue.pop_front() {
        if a.is_quit_state(sa) || b.is_quit_state(sb) {
            return None;
        }
        // Once b has matched, every longer string is accepted by b too.
        if mb {
            continue;
        }
        let a_ends = ma || a.is_match_state(a.next_eoi_state(sa));
        let b_ends = b.is_match_state(b.next_eoi_state(sb));
        if a_ends && !b_ends {
            return Some(true);
        }
        // a can never match from here.
        if !ma && a.is_dead_state(sa) {
            continue;
        }
        for byte in 0..=u8::MAX {
            let (na, nb) = (a.next_state(sa, byte), b.next_state(sb, byte));
            let next = (na, ma || a.is_match_state(na), nb, b.is_match_state(nb));
            if seen.insert(next) {
                if seen.len() > MAX_PAIRS {
                    return None;
                }
                queue.push_back(next);
            }
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::{Relation, relation};

    #[test]
    fn relations() {
        for (old, new, expected) in [
            ("^[a-z]+$", "^[a-z]+$", Relation::Same),
            ("^[a-z]+$", "^[a-z0-9]+$", Relation::Wider),
            ("^[a-z]+$", ".*", Relation::Wider),
            ("^[a-z]+$", "^[a-z]{1,5}$", Relation::Narrower),
            ("^[a-z]+$", "^[0-9]+$", Relation::Different),
            ("^\\d{3}$", "^[0-9]{3}$", Relation::Same),
            ("abc", "^abc", Relation::Narrower),
            ("abc", "b", Relation::Wider),
            ("^(?:a|b)$", "^[ab]$", Relation::Same),
            ("^[a-z]+$", "(?=a)", Relation::Unknown),
        ] {
            assert_eq!(relation(old, new), expected, "{old} -> {new}");
        }
    }
}

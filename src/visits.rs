//! A document's leaf visits in SOPS tree order, recorded in one walk: encrypting and
//! decrypting go through them more than once, and from several threads.

use crate::crypto::{IvDeriver, IvPath};
use crate::parallel;
use crate::path::{self, PathSeg};
use crate::rules::Rules;
use crate::text::Span;
use crate::tree::{Document, LeafId, Visit};

/// The visits of a walk, in order.
pub(crate) struct Visits {
    steps: Vec<Step>,
    /// The AADs of all visits, in one buffer: a file has as many as values.
    aads: String,
    /// The IV sites of the visits ([`IvDeriver::site`]), when recorded.
    sites: Vec<u8>,
}

/// One leaf visit.
pub(crate) struct Step {
    /// The leaf.
    pub leaf: LeafId,
    /// Whether the crypt rule encrypts it.
    pub encrypted: bool,
    aad: Span,
    site: Span,
}

impl Visits {
    /// Walks `doc`, with `rules` saying which leaves are encrypted. With `site`, the IV site
    /// of each leaf `site` gives a type name for is recorded too.
    pub fn new(
        doc: &Document,
        rules: &Rules,
        site: Option<&dyn Fn(LeafId) -> Option<&'static str>>,
    ) -> Visits {
        let mut visits = Visits {
            steps: Vec::with_capacity(doc.leaves.len()),
            aads: String::new(),
            sites: Vec::new(),
        };
        doc.walk(|v| {
            let aad_start = visits.aads.len();
            visits.aads.push_str(v.aad);
            let site_start = visits.sites.len();
            if let Some(type_name) = site.and_then(|type_of| type_of(v.leaf)) {
                let at = IvPath {
                    document: v.document,
                    segments: v.path,
                };
                IvDeriver::site(at, type_name, 0, &mut visits.sites);
            }
            visits.steps.push(Step {
                leaf: v.leaf,
                encrypted: rules.should_encrypt(v.path, v.comments, v.is_comment),
                aad: (aad_start..visits.aads.len()).into(),
                site: (site_start..visits.sites.len()).into(),
            });
        });
        visits
    }

    /// The visits, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The AAD of a visit.
    pub fn aad(&self, step: &Step) -> &str {
        &self.aads[step.aad.range()]
    }

    /// The IV site of a visit (empty when none was recorded).
    pub fn site(&self, step: &Step) -> &[u8] {
        &self.sites[step.site.range()]
    }

    /// `f` applied to the visits `pick` picks (with what it picked them for), on every core,
    /// each thread with a state of its own made by `init`: results to take back in visit
    /// order with [`Ahead::take`].
    pub fn ahead<J: Sync, S: Send, R: Send>(
        &self,
        pick: impl Fn(&Step) -> Option<J>,
        init: impl Fn() -> S + Sync,
        f: impl Fn(&mut S, &Step, &J) -> R + Sync,
    ) -> Ahead<S, R> {
        let picked: Vec<(usize, J)> = (0..self.steps.len())
            .filter_map(|n| Some((n, pick(&self.steps[n])?)))
            .collect();
        let parts = parallel::map_parts(&picked, init, |state, (n, job)| {
            f(state, &self.steps[*n], job)
        });
        let visits: Vec<usize> = picked.into_iter().map(|(n, _)| n).collect();
        let mut states = Vec::with_capacity(parts.len());
        let mut results = Vec::with_capacity(visits.len());
        for (part, p) in parts.into_iter().enumerate() {
            states.push(p.state);
            results.extend(p.results.into_iter().map(|r| (part, r)));
        }
        Ahead {
            states,
            visits,
            next: 0,
            results: results.into_iter(),
        }
    }

    /// The path of the `n`th visit, as users read it: found by walking again, for messages.
    pub fn path(doc: &Document, n: usize) -> String {
        let mut found = None;
        let mut i = 0;
        doc.walk(|v: Visit<'_>| {
            if i == n {
                found = Some(path::Display(v.path).to_string());
            }
            i += 1;
        });
        found.unwrap_or_else(|| path::Display(&[] as &[PathSeg]).to_string())
    }
}

/// Work done ahead of a walk through the visits ([`Visits::ahead`]).
pub(crate) struct Ahead<S, R> {
    /// The threads' states, as they left them.
    pub states: Vec<S>,
    /// The visits picked, in order, and the next one to take.
    visits: Vec<usize>,
    next: usize,
    /// Their results, with the index of their thread's state.
    results: std::vec::IntoIter<(usize, R)>,
}

impl<S, R> Ahead<S, R> {
    /// The result for visit `n`, with the index of its thread's state, when `n` was picked;
    /// visits are taken in order.
    pub fn take(&mut self, n: usize) -> Option<(usize, R)> {
        if self.visits.get(self.next) != Some(&n) {
            return None;
        }
        self.next += 1;
        self.results.next()
    }
}

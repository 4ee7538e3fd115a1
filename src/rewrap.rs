//! Giving a file's data key to other recipients without touching its values: `updatekeys`
//! and `groups add|delete`. Only the metadata block changes; `lastmodified` and `mac` stay.
//!
//! With one key group, the entries of recipients that stay are kept byte for byte and only
//! new recipients are wrapped (removing a recipient does not even need the data key). With
//! several groups the data key is split again and every key re-wrapped, as sops does,
//! since a new share cannot be made for one group alone.

use crate::config::check_threshold;
use crate::crypto::DataKey;
use crate::decrypt::metadata_of;
use crate::error::Error;
use crate::format::FileFormat;
use crate::keys::{self, Keyring, Recipient, RecipientGroups};
use crate::metadata::{KeyGroup, Metadata, StoredKey};
use crate::tree::Document;

/// How one key group changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupDiff {
    /// Keys in both.
    pub kept: Vec<String>,
    /// Keys only in the new group.
    pub added: Vec<String>,
    /// Keys only in the old group.
    pub removed: Vec<String>,
}

impl GroupDiff {
    /// Whether the group changes.
    pub fn changes(&self) -> bool {
        !self.added.is_empty() || !self.removed.is_empty()
    }
}

/// The changes from the file's key groups to `new`, group by group (as sops shows them).
pub fn diff(old: &[KeyGroup], new: &RecipientGroups) -> Vec<GroupDiff> {
    (0..old.len().max(new.len()))
        .map(|i| {
            let old: &[StoredKey] = old.get(i).map_or(&[], Vec::as_slice);
            let new: &[Box<dyn Recipient>] = new.get(i).map_or(&[], Vec::as_slice);
            let mut d = GroupDiff::default();
            for r in new {
                if old.iter().any(|k| r.matches(k)) {
                    d.kept.push(label(r.as_ref()));
                } else {
                    d.added.push(label(r.as_ref()));
                }
            }
            for k in old {
                if !new.iter().any(|r| r.matches(k)) {
                    d.removed.push(keys::key_label(k));
                }
            }
            d
        })
        .collect()
}

fn label(r: &dyn Recipient) -> String {
    format!("{} {}", r.kind(), r.id())
}

/// An encrypted file opened to change its keys.
pub struct Rekey {
    format: FileFormat,
    doc: Document,
}

impl Rekey {
    /// Parses an encrypted file.
    pub fn open(bytes: Vec<u8>, format: FileFormat) -> Result<Rekey, Error> {
        let doc = format.format().parse(bytes)?;
        metadata_of(&doc)?;
        Ok(Rekey { format, doc })
    }

    /// The file's metadata.
    pub fn metadata(&self) -> &Metadata {
        self.doc
            .metadata
            .as_ref()
            .expect("checked when the file was opened")
    }

    /// The file with its data key wrapped for `groups` (any `threshold` of which recover it
    /// when there are several; 0 = all). `keyring` recovers the data key when a key must
    /// be wrapped.
    pub fn rewrap(
        &self,
        keyring: &Keyring,
        groups: &RecipientGroups,
        threshold: usize,
    ) -> Result<Vec<u8>, Error> {
        if groups.is_empty() || groups.iter().any(Vec::is_empty) {
            return Err(Error::NoRecipients);
        }
        check_threshold(threshold, groups.len()).map_err(Error::Rules)?;
        let old = self.metadata();
        let key_groups = if groups.len() == 1 && old.key_groups.len() == 1 {
            keep_or_wrap(&old.key_groups[0], &groups[0], keyring, old)?
        } else {
            keys::wrap(groups, &keyring.data_key(old)?, threshold)?
        };
        let mut metadata = old.clone();
        metadata.shamir_threshold = match (key_groups.len(), threshold) {
            (n, 0) if n > 1 => n,
            (_, t) => t,
        };
        metadata.key_groups = key_groups;
        let patches = self
            .format
            .format()
            .metadata_patches(&self.doc, Some(&metadata))?;
        Ok(self.doc.apply(patches))
    }

    /// The recipients of the file's stored keys, group by group (to wrap a new key or new
    /// shares for all of them).
    pub fn recipients(&self) -> Result<RecipientGroups, Error> {
        self.metadata()
            .key_groups
            .iter()
            .map(|g| g.iter().map(keys::recipient_of).collect())
            .collect()
    }
}

/// One group's entries: kept where the recipient already has one, wrapped where it is new
/// (the data key is recovered only then).
fn keep_or_wrap(
    old: &[StoredKey],
    new: &[Box<dyn Recipient>],
    keyring: &Keyring,
    metadata: &Metadata,
) -> Result<Vec<KeyGroup>, Error> {
    let mut data_key: Option<DataKey> = None;
    let mut group = Vec::new();
    for r in new {
        if let Some(stored) = old.iter().find(|k| r.matches(k)) {
            group.push(stored.clone());
            continue;
        }
        let key = match &data_key {
            Some(k) => k,
            None => data_key.insert(keyring.data_key(metadata)?),
        };
        group.push(r.wrap(key.expose())?);
    }
    Ok(vec![group])
}

/// The threshold of a file whose groups become `groups`: `requested` if given, else the
/// file's, never more than the number of groups (as sops's `updatekeys`).
pub fn threshold(metadata: &Metadata, requested: Option<usize>, groups: usize) -> usize {
    requested
        .filter(|t| *t > 0)
        .unwrap_or(metadata.shamir_threshold)
        .min(groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{recipient, KeySpec};

    const A: &str = "age14h2ppxt2azygykrchuwj7pc79wg2k3kdgm3e3jxv8qqm905p09qq7nwkk9";
    const B: &str = "age18emv2keh8y99pp7s00etsm4xcfvy9n5wsek5sp5zxu3ltyj425uq6ez0e4";

    #[test]
    fn diffs_compare_group_by_group() {
        let a = recipient(&KeySpec::new("age", A)).unwrap();
        let old = vec![vec![a.wrap(&[1; 32]).unwrap()]];
        let new: RecipientGroups = vec![
            vec![
                recipient(&KeySpec::new("age", A)).unwrap(),
                recipient(&KeySpec::new("age", B)).unwrap(),
            ],
            vec![recipient(&KeySpec::new("pgp", "ABCDEF0123456789")).unwrap()],
        ];
        let d = diff(&old, &new);
        assert_eq!(d[0].kept, [format!("age {A}")]);
        assert_eq!(d[0].added, [format!("age {B}")]);
        assert_eq!(d[1].added, ["pgp ABCDEF0123456789"]);
        assert!(d.iter().all(GroupDiff::changes) && d[0].removed.is_empty());
        let back = diff(&old, &Vec::new());
        assert_eq!(back[0].removed, [format!("age {A}")]);
    }
}

//! Reads a migrations folder: lists it, recognises its layout, pairs up and down scripts, reads them.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::directives::Directives;
use super::error::SourceError;
use super::formats::{self, Found, Parts};
use super::model::{Format, Migration, MigrationSet, Script};
use super::version::Version;

/// Loads every migration in `dir`, recognising the layout (Flyway, Drizzle, Prisma, ...) from
/// the file names.
///
/// Nothing in the folder is skipped silently: a file that is not a migration, hidden files,
/// READMEs, Markdown and the tools' own metadata aside, is an error naming it.
///
/// # Errors
/// A [`SourceError`] naming the file (or folder) at fault: missing folder, unreadable,
/// non-UTF-8 or empty script, unknown or mixed layouts, duplicate versions, a down script
/// without its up script, a bad directive, or a Drizzle journal that disagrees with the files.
pub fn load_dir(dir: &Path) -> Result<MigrationSet, SourceError> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Err(source) if source.kind() != ErrorKind::NotFound => {
            return Err(SourceError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
        _ => {
            return Err(SourceError::MissingDir {
                path: dir.to_path_buf(),
            });
        }
    }
    let journal = dir.join(formats::DRIZZLE_JOURNAL).is_file();
    let mut found = Vec::new();
    for entry in list(dir, Path::new(""))? {
        match (entry.is_dir, entry.name.as_str()) {
            (false, formats::PRISMA_LOCK_FILE) => {}
            (true, "meta") if journal => {}
            (true, _) => found.extend(scan_subdir(dir, &entry)?),
            (false, name) => found.push(recognise(dir, entry.path, formats::classify_file(name))?),
        }
    }
    formats::resolve_lookalikes(&mut found, journal);
    let format = one_format(dir, &found, journal)?;
    if journal {
        let text = read_text(dir, Path::new(formats::DRIZZLE_JOURNAL))?;
        found = formats::order_by_journal(dir, &text, found)?;
    } else {
        // Stable: equal versions stay in name order, so duplicate errors are deterministic.
        found.sort_by(|a, b| a.version.cmp(&b.version));
    }
    let migrations = pair(dir, found)?
        .into_iter()
        .map(|(up, down)| {
            Ok(Migration {
                up: read_script(dir, &up.path)?,
                down: down.map(|d| read_script(dir, &d.path)).transpose()?,
                version: up.version,
                name: up.name,
            })
        })
        .collect::<Result<_, SourceError>>()?;
    Ok(MigrationSet {
        dir: dir.to_path_buf(),
        format,
        migrations,
    })
}

/// A directory entry that is not ignored.
struct FolderEntry {
    name: String,
    /// Relative to the migrations folder.
    path: PathBuf,
    is_dir: bool,
}

/// The entries of `root/rel`, sorted by name, without ignored ones. Symbolic links are
/// followed (ConfigMap volumes are made of them).
fn list(root: &Path, rel: &Path) -> Result<Vec<FolderEntry>, SourceError> {
    let io = |path: PathBuf| move |source| SourceError::Io { path, source };
    let dir = root.join(rel);
    let mut entries = Vec::new();
    for entry in fs::read_dir(&dir).map_err(io(dir.clone()))? {
        let entry = entry.map_err(io(dir.clone()))?;
        let path = rel.join(entry.file_name());
        let Ok(name) = entry.file_name().into_string() else {
            return Err(SourceError::Unrecognised {
                path: root.join(path),
                reason: "the name is not valid UTF-8; rename it".to_owned(),
            });
        };
        if formats::is_ignored(&name) {
            continue;
        }
        let is_dir = fs::metadata(entry.path())
            .map_err(io(root.join(&path)))?
            .is_dir();
        entries.push(FolderEntry { name, path, is_dir });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// The scripts in a `<timestamp>_<name>/` folder (Prisma, Diesel).
fn scan_subdir(root: &Path, dir: &FolderEntry) -> Result<Vec<Found>, SourceError> {
    let mut found = Vec::new();
    for entry in list(root, &dir.path)? {
        let parts = if entry.is_dir {
            Err(
                "a migration folder holds migration.sql (Prisma) or up.sql and down.sql \
                 (Diesel), no folders; move this one out of it"
                    .to_owned(),
            )
        } else {
            formats::classify_subdir_file(&dir.name, &entry.name)
        };
        found.push(recognise(root, entry.path, parts)?);
    }
    if found.is_empty() {
        return Err(SourceError::Unrecognised {
            path: root.join(&dir.path),
            reason: format!(
                "the folder holds no migration script; {}",
                formats::ACCEPTED
            ),
        });
    }
    Ok(found)
}

/// Turns what a name said into a [`Found`], or the error naming the file.
fn recognise(
    root: &Path,
    path: PathBuf,
    classified: Result<(Format, Parts), String>,
) -> Result<Found, SourceError> {
    let (format, parts) = classified.map_err(|reason| SourceError::Unrecognised {
        path: root.join(&path),
        reason,
    })?;
    let version = Version::parse(&parts.version).map_err(|source| SourceError::InvalidVersion {
        path: root.join(&path),
        source,
    })?;
    Ok(Found {
        format,
        version,
        name: parts.name,
        down: parts.down,
        path,
    })
}

/// The one format all files follow (dbmigrate's own for an empty folder).
fn one_format(root: &Path, found: &[Found], journal: bool) -> Result<Format, SourceError> {
    let journal = journal.then(|| (Format::Drizzle, Path::new(formats::DRIZZLE_JOURNAL)));
    let mut files = found
        .iter()
        .map(|f| (f.format, f.path.as_path()))
        .chain(journal);
    let Some((first_format, first)) = files.next() else {
        return Ok(Format::Native);
    };
    match files.find(|(format, _)| *format != first_format) {
        None => Ok(first_format),
        Some((second_format, second)) => Err(SourceError::MixedFormats {
            first: root.join(first),
            first_format,
            second: root.join(second),
            second_format,
        }),
    }
}

/// Pairs each down script with the up script of the same version; `found` is in version order.
fn pair(root: &Path, found: Vec<Found>) -> Result<Vec<(Found, Option<Found>)>, SourceError> {
    let duplicate = |first: &Found, second: &Found| SourceError::DuplicateVersion {
        version: second.version.to_string(),
        first: root.join(&first.path),
        second: root.join(&second.path),
    };
    let (ups, downs): (Vec<_>, Vec<_>) = found.into_iter().partition(|f| !f.down);
    let mut pairs: Vec<(Found, Option<Found>)> = Vec::with_capacity(ups.len());
    for up in ups {
        if let Some((previous, _)) = pairs.last()
            && previous.version == up.version
        {
            return Err(duplicate(previous, &up));
        }
        pairs.push((up, None));
    }
    for down in downs {
        let Some((_, slot)) = pairs.iter_mut().find(|(up, _)| up.version == down.version) else {
            return Err(SourceError::DownWithoutUp {
                path: root.join(&down.path),
            });
        };
        if let Some(other) = slot {
            return Err(duplicate(other, &down));
        }
        *slot = Some(down);
    }
    Ok(pairs)
}

/// A file's text exactly as stored.
fn read_text(root: &Path, rel: &Path) -> Result<String, SourceError> {
    let path = root.join(rel);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(source) => return Err(SourceError::Io { path, source }),
    };
    String::from_utf8(bytes).map_err(|e| SourceError::NotUtf8 {
        valid_up_to: e.utf8_error().valid_up_to(),
        path,
    })
}

/// Reads a script and its directives; whitespace-only scripts are refused.
fn read_script(root: &Path, rel: &Path) -> Result<Script, SourceError> {
    let sql = read_text(root, rel)?;
    if sql.trim().is_empty() {
        return Err(SourceError::Empty {
            path: root.join(rel),
        });
    }
    let directives = Directives::parse(&sql).map_err(|source| SourceError::Directive {
        path: root.join(rel),
        source,
    })?;
    Ok(Script {
        path: rel.to_path_buf(),
        sql,
        directives,
        command: None,
    })
}

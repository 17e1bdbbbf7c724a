//! The row store: one table per synced entity, each row the entity's wire JSON plus its sync
//! bookkeeping (SYNC.md "Client side"). Tables, parent columns and the edit-time column come
//! from the entity declarations ([`crate::entity::Spec`]).

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use storyloom_domain::EntityKind;
use uuid::Uuid;

use crate::entity::{self, Spec};
use crate::error::{Error, Result};

/// Where a local row stands with the server (SYNC.md "Client side").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncStatus {
    /// Equal to the last server copy.
    Synced,
    /// Made locally, not yet on the server.
    PendingCreate,
    /// Edited locally, not yet on the server.
    PendingUpdate,
    /// Deleted locally (hidden), not yet on the server.
    PendingDelete,
    /// The server refused a mutation permanently; see `sync_error`.
    Failed,
    /// A local edit clashed with a server edit; a conflict record waits for the app.
    Conflict,
}

impl SyncStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Synced => "synced",
            Self::PendingCreate => "pendingCreate",
            Self::PendingUpdate => "pendingUpdate",
            Self::PendingDelete => "pendingDelete",
            Self::Failed => "failed",
            Self::Conflict => "conflict",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "synced" => Self::Synced,
            "pendingCreate" => Self::PendingCreate,
            "pendingUpdate" => Self::PendingUpdate,
            "pendingDelete" => Self::PendingDelete,
            "failed" => Self::Failed,
            "conflict" => Self::Conflict,
            _ => return None,
        })
    }
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One stored entity row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredRow {
    pub id: Uuid,
    /// The entity as the app sees it (wire JSON shape).
    pub data: Value,
    /// The last server copy, for 3-way decisions.
    pub base: Option<Value>,
    /// Server version of `base` (0: never on the server).
    pub version: i64,
    pub status: SyncStatus,
    /// Deleted locally, delete not yet pushed: hidden from reads.
    pub deleted: bool,
    pub local_updated_at: i64,
    pub last_synced_at: Option<i64>,
    pub sync_error: Option<String>,
    /// When the app last set the entity's last-writer-wins field (epoch ms), for entities
    /// that have one ([`crate::entity::Spec::edit_time`]).
    pub edited_at: Option<i64>,
}

impl StoredRow {
    /// A row just received from the server.
    pub fn synced(id: Uuid, data: Value, version: i64) -> Self {
        let now = now_ms();
        Self {
            id,
            base: Some(data.clone()),
            data,
            version,
            status: SyncStatus::Synced,
            deleted: false,
            local_updated_at: now,
            last_synced_at: Some(now),
            sync_error: None,
            edited_at: None,
        }
    }
}

pub(crate) fn parse_uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn parse_json(s: &str) -> rusqlite::Result<Value> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

const ROW_COLS: &str =
    "id, data, base, version, sync_status, deleted, local_updated_at, last_synced_at, sync_error";

fn row_from(r: &rusqlite::Row<'_>, has_edit_time: bool) -> rusqlite::Result<StoredRow> {
    let status: String = r.get(4)?;
    let base: Option<String> = r.get(2)?;
    Ok(StoredRow {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        data: parse_json(&r.get::<_, String>(1)?)?,
        base: base.as_deref().map(parse_json).transpose()?,
        version: r.get(3)?,
        status: SyncStatus::parse(&status).unwrap_or(SyncStatus::Failed),
        deleted: r.get::<_, i64>(5)? != 0,
        local_updated_at: r.get(6)?,
        last_synced_at: r.get(7)?,
        sync_error: r.get(8)?,
        edited_at: if has_edit_time { r.get(9)? } else { None },
    })
}

fn select_cols(spec: &Spec) -> String {
    match spec.edit_time {
        Some(t) => format!("{ROW_COLS}, {}", t.column),
        None => ROW_COLS.to_owned(),
    }
}

/// The stored row of `id`, deleted or not.
pub(crate) fn get(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<Option<StoredRow>> {
    let spec = entity::spec(kind);
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1",
        select_cols(spec),
        spec.table
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![id.to_string()], |r| {
            row_from(r, spec.edit_time.is_some())
        })
        .optional()?)
}

/// A row filter for [`list`]: an SQL condition on the row's columns and `data`, with
/// numbered parameters.
pub(crate) struct Filter {
    /// The condition (`""`: every row).
    pub sql: String,
    /// Its parameters, `?1`, `?2`, … in order.
    pub args: Vec<rusqlite::types::Value>,
}

impl Filter {
    /// Every row.
    pub fn all() -> Self {
        Self {
            sql: String::new(),
            args: Vec::new(),
        }
    }

    /// Rows whose parent is `parent`.
    pub fn child_of(spec: &Spec, parent: Uuid) -> Self {
        let mut f = Self::all();
        if let Some(p) = spec.parent {
            f.and(&format!("{} = ?", p.column), parent.to_string().into());
        }
        f
    }

    /// Add `condition` (with one `?` for `arg`, numbered here).
    pub fn and(&mut self, condition: &str, arg: rusqlite::types::Value) {
        self.args.push(arg);
        let numbered = condition.replacen('?', &format!("?{}", self.args.len()), 1);
        if self.sql.is_empty() {
            self.sql = numbered;
        } else {
            self.sql = format!("{} AND {numbered}", self.sql);
        }
    }
}

/// Visible rows (not locally deleted) matching `filter`, newest first.
pub(crate) fn list(conn: &Connection, kind: EntityKind, filter: &Filter) -> Result<Vec<StoredRow>> {
    let spec = entity::spec(kind);
    let sql = format!(
        "SELECT {} FROM {} WHERE deleted = 0 {} {} ORDER BY id DESC",
        select_cols(spec),
        spec.table,
        if filter.sql.is_empty() { "" } else { "AND" },
        filter.sql
    );
    let mut stmt = conn.prepare(&sql)?;
    let args: Vec<&dyn rusqlite::ToSql> = filter
        .args
        .iter()
        .map(|a| a as &dyn rusqlite::ToSql)
        .collect();
    let rows = stmt
        .query_map(args.as_slice(), |r| row_from(r, spec.edit_time.is_some()))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Insert or replace a row.
pub(crate) fn put(conn: &Connection, kind: EntityKind, row: &StoredRow) -> Result<()> {
    let spec = entity::spec(kind);
    let data = serde_json::to_string(&row.data)?;
    let base = row.base.as_ref().map(serde_json::to_string).transpose()?;
    let id = row.id.to_string();
    let status = row.status.as_str();
    let deleted = row.deleted as i64;
    let mut cols = ROW_COLS.to_owned();
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![
        &id,
        &data,
        &base,
        &row.version,
        &status,
        &deleted,
        &row.local_updated_at,
        &row.last_synced_at,
        &row.sync_error,
    ];
    let parent = match spec.parent {
        Some(p) => Some((
            p.column,
            spec.parent_id(&row.data)
                .ok_or_else(|| Error::Invalid(format!("row has no {}", p.field)))?
                .to_string(),
        )),
        None => None,
    };
    if let Some((column, id)) = &parent {
        cols.push_str(", ");
        cols.push_str(column);
        values.push(id);
    }
    if let Some(t) = spec.edit_time {
        cols.push_str(", ");
        cols.push_str(t.column);
        values.push(&row.edited_at);
    }
    let marks = (1..=values.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT OR REPLACE INTO {} ({cols}) VALUES ({marks})",
        spec.table
    );
    conn.prepare_cached(&sql)?.execute(values.as_slice())?;
    Ok(())
}

/// Remove a row for good.
pub(crate) fn delete(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    conn.execute(
        &format!("DELETE FROM {} WHERE id = ?1", entity::spec(kind).table),
        params![id.to_string()],
    )?;
    Ok(())
}

/// Ids of the rows of `kind` that belong to `parent`.
pub(crate) fn child_ids(conn: &Connection, kind: EntityKind, parent: Uuid) -> Result<Vec<Uuid>> {
    let spec = entity::spec(kind);
    let Some(p) = spec.parent else {
        return Ok(Vec::new());
    };
    let sql = format!("SELECT id FROM {} WHERE {} = ?1", spec.table, p.column);
    let mut stmt = conn.prepare(&sql)?;
    let ids = stmt
        .query_map(params![parent.to_string()], |r| {
            parse_uuid(&r.get::<_, String>(0)?)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

/// Every `(id, status)` of a table (for the full-resync sweep).
pub(crate) fn all_ids(conn: &Connection, kind: EntityKind) -> Result<Vec<(Uuid, SyncStatus)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, sync_status FROM {}",
        entity::spec(kind).table
    ))?;
    let ids = stmt
        .query_map([], |r| {
            let s: String = r.get(1)?;
            Ok((
                parse_uuid(&r.get::<_, String>(0)?)?,
                SyncStatus::parse(&s).unwrap_or(SyncStatus::Failed),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

import type { Updateable } from 'kysely'
import type { AdverseEventTable, NotificationTable } from './schema.ts'
import type { Conn } from './store.ts'

export async function insertAdverseEvent(c: Conn, row: AdverseEventTable): Promise<void> {
  await c.db.insertInto('adverse_event').values(row).execute()
}

export async function updateAdverseEvent(c: Conn, id: string, patch: Updateable<AdverseEventTable>): Promise<void> {
  await c.db.updateTable('adverse_event').set(patch).where('id', '=', id).execute()
}

export function findAdverseEvent(c: Conn, id: string): Promise<AdverseEventTable | undefined> {
  return c.db.selectFrom('adverse_event').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function nextAeNumber(c: Conn, subjectId: string): Promise<number> {
  const row = await c.db
    .selectFrom('adverse_event')
    .select((eb) => eb.fn.max('ae_number').as('n'))
    .where('subject_id', '=', subjectId)
    .executeTakeFirst()
  return Number(row?.n ?? 0) + 1
}

export interface AeFilter {
  readonly siteIds: readonly string[] | 'all'
  readonly siteId?: string
  readonly subjectId?: string
  readonly serious?: boolean
  readonly status?: string
  /** Serious events the sponsor has not acknowledged yet. */
  readonly awaitingReport?: boolean
}

export function findAdverseEvents(c: Conn, f: AeFilter): Promise<AdverseEventTable[]> {
  if (f.siteIds !== 'all' && f.siteIds.length === 0) return Promise.resolve([])
  return c.db
    .selectFrom('adverse_event')
    .selectAll()
    .$if(f.siteIds !== 'all', (q) => q.where('site_id', 'in', f.siteIds === 'all' ? [] : [...f.siteIds]))
    .$if(f.siteId !== undefined, (q) => q.where('site_id', '=', f.siteId ?? ''))
    .$if(f.subjectId !== undefined, (q) => q.where('subject_id', '=', f.subjectId ?? ''))
    .$if(f.serious !== undefined, (q) => q.where('serious', '=', f.serious ? 1 : 0))
    .$if(f.status !== undefined, (q) => q.where('status', '=', f.status ?? ''))
    .$if(f.awaitingReport === true, (q) => q.where('serious', '=', 1).where('sae_acknowledged_at', 'is', null))
    .orderBy('onset_date')
    .orderBy('subject_id')
    .orderBy('ae_number')
    .execute()
}

export async function insertNotification(c: Conn, row: NotificationTable): Promise<void> {
  await c.db.insertInto('notification').values(row).execute()
}

export function listNotifications(c: Conn, role: string, unreadOnly: boolean): Promise<NotificationTable[]> {
  return c.db
    .selectFrom('notification')
    .selectAll()
    .where('recipient_role', '=', role)
    .$if(unreadOnly, (q) => q.where('read_at', 'is', null))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute()
}

export async function markNotificationRead(
  c: Conn,
  id: string,
  role: string,
  at: string,
  by: string,
): Promise<boolean> {
  const r = await c.db
    .updateTable('notification')
    .set({ read_at: at, read_by: by })
    .where('id', '=', id)
    .where('recipient_role', '=', role)
    .where('read_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

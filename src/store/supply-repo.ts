import type { Updateable } from 'kysely'
import type { DosePreparationTable, ExtractionTable, InfusionTable, ProductLotTable } from './schema.ts'
import type { Conn } from './store.ts'

export interface SupplyRows {
  readonly extractions: ExtractionTable[]
  readonly lots: ProductLotTable[]
  readonly preparations: DosePreparationTable[]
  readonly infusions: InfusionTable[]
}

/** A subject's supply chain rows (or everyone's), in time order. */
export async function loadSupplyRows(c: Conn, subjectId?: string): Promise<SupplyRows> {
  const all = subjectId === undefined
  const [extractions, lots, preparations, infusions] = await Promise.all([
    c.db
      .selectFrom('extraction')
      .selectAll()
      .$if(!all, (q) => q.where('subject_id', '=', subjectId ?? ''))
      .orderBy('extraction_date')
      .orderBy('id')
      .execute(),
    c.db
      .selectFrom('product_lot')
      .selectAll()
      .$if(!all, (q) => q.where('subject_id', '=', subjectId ?? ''))
      .orderBy('manufactured_on')
      .orderBy('id')
      .execute(),
    c.db
      .selectFrom('dose_preparation')
      .selectAll()
      .$if(!all, (q) => q.where('subject_id', '=', subjectId ?? ''))
      .orderBy('prepared_at')
      .orderBy('id')
      .execute(),
    c.db
      .selectFrom('infusion')
      .selectAll()
      .$if(!all, (q) => q.where('subject_id', '=', subjectId ?? ''))
      .orderBy('started_at')
      .orderBy('id')
      .execute(),
  ])
  return { extractions, lots, preparations, infusions }
}

export async function insertExtraction(c: Conn, row: ExtractionTable): Promise<void> {
  await c.db.insertInto('extraction').values(row).execute()
}

export async function insertLot(c: Conn, row: ProductLotTable): Promise<void> {
  await c.db.insertInto('product_lot').values(row).execute()
}

export async function updateLot(c: Conn, id: string, patch: Updateable<ProductLotTable>): Promise<void> {
  await c.db.updateTable('product_lot').set(patch).where('id', '=', id).execute()
}

export function findLot(c: Conn, id: string): Promise<ProductLotTable | undefined> {
  return c.db.selectFrom('product_lot').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function insertPreparation(c: Conn, row: DosePreparationTable): Promise<void> {
  await c.db.insertInto('dose_preparation').values(row).execute()
}

export async function updatePreparation(c: Conn, id: string, patch: Updateable<DosePreparationTable>): Promise<void> {
  await c.db.updateTable('dose_preparation').set(patch).where('id', '=', id).execute()
}

export async function insertInfusion(c: Conn, row: InfusionTable): Promise<void> {
  await c.db.insertInto('infusion').values(row).execute()
}

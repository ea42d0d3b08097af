import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import type { DB } from './schema.ts'
import type { Conn, DialectName } from './store.ts'

const SENTINEL = '\u0000param:'

/**
 * A query built with Kysely once per dialect and then only re-executed with new parameters: the hot save
 * path binds values into a cached compiled query (and better-sqlite3's cached statement) instead of building
 * and compiling a query tree on every call. Parameters are named in the builder with `p('name')`.
 */
export class PreparedQuery<Row, P extends string> {
  readonly #build: (db: Kysely<DB>, p: (name: P) => string) => Compilable<Row>
  readonly #compiled = new Map<DialectName, { query: CompiledQuery<Row>; slots: readonly (P | { value: unknown })[] }>()

  constructor(build: (db: Kysely<DB>, p: (name: P) => string) => Compilable<Row>) {
    this.#build = build
  }

  /** Runs the query on `c` with the named values; returns its rows. */
  async run(c: Conn, values: Readonly<Record<P, unknown>>): Promise<Row[]> {
    let compiled = this.#compiled.get(c.dialect)
    if (!compiled) {
      const query = this.#build(c.db, (name) => `${SENTINEL}${name}`).compile()
      const slots = query.parameters.map((v) =>
        typeof v === 'string' && v.startsWith(SENTINEL) ? (v.slice(SENTINEL.length) as P) : { value: v },
      )
      compiled = { query, slots }
      this.#compiled.set(c.dialect, compiled)
    }
    const parameters = compiled.slots.map((s) => (typeof s === 'string' ? values[s] : s.value))
    return (await c.db.executeQuery<Row>({ ...compiled.query, parameters })).rows
  }
}

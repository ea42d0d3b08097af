import {
  PostgresDialect,
  PostgresIntrospector,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  type TableMetadata,
} from 'kysely'

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema and calls `has_schema_privilege` on each,
 * which fails ("schema … does not exist") when another schema is dropped during the scan, e.g. a neighbouring
 * study or test database on the same server. The Migrator only asks whether its own tables exist in our schema,
 * so this introspector reads the current schema alone, without privilege functions.
 */
class CurrentSchemaIntrospector extends PostgresIntrospector {
  readonly #db: Kysely<unknown>
  constructor(db: Kysely<unknown>) {
    super(db)
    this.#db = db
  }

  override async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{
      table: string
      schema: string
      kind: string
      column: string | null
      type: string | null
      not_null: boolean | null
      has_default: boolean | null
    }>`
      select c.relname as table, n.nspname as schema, c.relkind as kind, a.attname as column,
             format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null, a.atthasdef as has_default
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')
      order by c.relname, a.attnum`.execute(this.#db)
    const tables = new Map<string, TableMetadata>()
    for (const r of rows) {
      let table = tables.get(r.table)
      if (!table)
        tables.set(r.table, (table = { name: r.table, schema: r.schema, isView: r.kind === 'v', columns: [] }))
      if (r.column !== null)
        table.columns.push({
          name: r.column,
          dataType: r.type ?? '',
          isNullable: r.not_null !== true,
          isAutoIncrementing: false,
          hasDefaultValue: r.has_default === true,
        })
    }
    return [...tables.values()]
  }

  override async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() }
  }
}

/** PostgresDialect whose introspection stays within the connection's current schema. */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db)
  }
}

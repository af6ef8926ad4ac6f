/**
 * Quoting of ClickHouse names and strings and the `database.table` form streams name their
 * tables in. Its own module so both the writer and the table layouts (cluster.ts) use it.
 */

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function splitTable(table: string): { database: string; name: string } {
  const [database, name, ...rest] = table.split('.');
  if (!database || !name || rest.length > 0) {
    throw new Error(`table "${table}" must be written as database.table`);
  }
  return { database, name };
}

export function qualified(table: string): string {
  const { database, name } = splitTable(table);
  return `${quoteIdentifier(database)}.${quoteIdentifier(name)}`;
}

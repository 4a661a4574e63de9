/**
 * Row types derived from the drizzle schema, as node-postgres returns them: snake_case column
 * names, int8 as decimal text (it does not fit a JS number), everything else as drizzle's data
 * type. A column renamed or retyped in schema.ts changes every row type that uses it.
 */
import { getTableColumns, type Column, type Table } from "drizzle-orm";

type ColumnsOf<T extends Table> = T["_"]["columns"];
type DriverValue<C extends Column> = C["_"]["dataType"] extends "bigint" ? string : C["_"]["data"];
type RowValue<C> = C extends Column
  ? C["_"]["notNull"] extends true
    ? DriverValue<C>
    : DriverValue<C> | null
  : never;
type ColumnName<C> = C extends Column ? C["_"]["name"] : never;

/** The row of `fields` of `T`, keyed by column name. */
export type PgRow<T extends Table, K extends keyof ColumnsOf<T> = keyof ColumnsOf<T>> = {
  [P in K as ColumnName<ColumnsOf<T>[P]>]: RowValue<ColumnsOf<T>[P]>;
};

/** The SQL column list of `fields`, in order, each prefixed by `alias.` when given. */
export function columnList<T extends Table>(
  table: T,
  fields: readonly (keyof ColumnsOf<T> & string)[],
  alias?: string,
): string {
  const columns = getTableColumns(table) as Record<string, Column>;
  return fields
    .map((field) => `${alias ? `${alias}.` : ""}${columns[field]?.name ?? field}`)
    .join(", ");
}

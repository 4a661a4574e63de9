/**
 * A prepared statement whose parameters are bound by name instead of by position. The text names
 * each parameter where it is used; the builder numbers them in order of first use, and `bind`
 * takes an object that must have exactly those names, so a statement with sixteen arrays cannot
 * have two of them swapped. The statement keeps its name: PostgreSQL plans it once per connection.
 */
import type pg from "pg";
import { assert } from "../domain/assert.js";

export interface NamedStatement<P extends string> {
  readonly name: string;
  readonly text: string;
  /** The query config for node-postgres, values in the statement's parameter order. */
  bind(values: Readonly<Record<P, unknown>>): pg.QueryConfig<unknown[]>;
}

export function namedStatement<const P extends string>(
  name: string,
  params: readonly P[],
  build: (param: (p: P) => string) => string,
): NamedStatement<P> {
  const used: P[] = [];
  const text = build((param) => {
    if (!used.includes(param)) used.push(param);
    return `$${used.indexOf(param) + 1}`;
  });
  assert(used.length === params.length, `statement ${name} declares parameters it does not use`);
  return {
    name,
    text,
    bind: (values) => ({ name, text, values: used.map((param) => values[param]) }),
  };
}

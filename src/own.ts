// Lookups keyed by outside text: a profile name, a header name, a --param key, a format, a key
// of a config or jobs file. An object's own properties only: `toString`, `constructor` or
// `hasOwnProperty` must read as "no such entry", never as what every object inherits.

/** The entry named `key` of `record`, if it is its own; undefined otherwise. */
export function own<T>(record: Readonly<Partial<Record<string, T>>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

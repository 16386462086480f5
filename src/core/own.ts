/**
 * Lookups by a name a user or a config file supplies (environments, services, roles, headers…).
 * `record[name]` on a plain object also finds what Object.prototype holds: `constructor`,
 * `toString`, `__proto__` would name a function or an object instead of nothing. These see only
 * the object's own entries, so such a name behaves as any unknown one.
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Like Object.fromEntries, into an object without a prototype (safe to index by any name). */
export function ownRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) out[key] = value;
  return out;
}

// Plain-object maps keyed by names that come from outside (keys, client ids), read and written as own
// properties only, so that a name such as "__proto__" is a name like any other. State stays plain data.

export function getOwn<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

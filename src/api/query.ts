/** Reading list filters from the query string (`?status=active`, `?currencies[]=USD&currencies[]=EUR`). */

/** A single string filter; anything else (absent, repeated, nested) is ignored. */
export function stringParam(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A list filter given as `name[]=a&name[]=b`, `name=a` or `name=a,b`; undefined when absent. */
export function listParam(query: Record<string, unknown>, name: string): string[] | undefined {
  const value = query[name] ?? query[`${name}[]`];
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item !== '');
  return undefined;
}
